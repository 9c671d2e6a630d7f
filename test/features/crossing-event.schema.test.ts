import { describe, expect, it } from 'vitest';
import { crossingEventSchema, MAX_FUTURE_SKEW_MS } from '../../features/crossing-event.schema.ts';
import { formatIssues } from '../../features/format-issues.ts';
import { sampleCrossing } from '../fixtures/crossing-events.ts';

const NOW = Date.parse('2025-03-01T15:15:00Z'); // the sample's instant
const schema = crossingEventSchema(() => NOW);

/** The messages a console would read for this payload, or [] when it is accepted. */
function messages(payload: unknown): string[] {
  const result = schema.safeParse(payload);
  return result.success ? [] : formatIssues(result.error.issues, { input: payload });
}

function withVehicle(patch: Record<string, unknown>): unknown {
  const event = sampleCrossing();
  return { ...event, vehicle: { ...event.vehicle, ...patch } };
}

function withOccupant(index: number, patch: Record<string, unknown>): unknown {
  const event = sampleCrossing();
  return { ...event, occupants: event.occupants.map((o, i) => (i === index ? { ...o, ...patch } : o)) };
}

describe('crossing event schema: accepted', () => {
  it('accepts the full sample', () => {
    expect(messages(sampleCrossing())).toEqual([]);
  });

  it('accepts a minimal crossing: no VIN, make, model, year, dates or audit', () => {
    expect(
      messages({
        port: '0901',
        lane: 'nexus',
        direction: 'outbound',
        timestamp: '2025-03-01T10:00:00Z',
        vehicle: { plate: 'abc 123', plateJurisdiction: 'MX-BCN' },
        occupants: [{ travelerId: 'X1', role: 'driver', documentType: 'other', trustedTraveler: false }],
      }),
    ).toEqual([]);
  });

  it('accepts 15 occupants and a timestamp just under five minutes ahead', () => {
    const event = sampleCrossing();
    const passengers = Array.from({ length: 14 }, (_, i) => ({ ...event.occupants[1]!, travelerId: `P${i}` }));
    const ahead = new Date(NOW + MAX_FUTURE_SKEW_MS - 1000).toISOString();
    expect(messages({ ...event, timestamp: ahead, occupants: [event.occupants[0]!, ...passengers] })).toEqual([]);
  });

  it('trims the plate', () => {
    const parsed = schema.parse(withVehicle({ plate: '  7ABC123 ' }));
    expect(parsed.vehicle.plate).toBe('7ABC123');
  });
});

describe('crossing event schema: refused, with the field and the rule', () => {
  const cases: [string, unknown, string[]][] = [
    ['a 3-digit port', { ...sampleCrossing(), port: '250' }, ['port: must be a 4-digit port code']],
    ['an unknown lane', { ...sampleCrossing(), lane: 'fast' }, ['lane: must be one of "general", "ready", "sentri", "nexus"']],
    ['a direction typo', { ...sampleCrossing(), direction: 'in' }, ['direction: must be one of "inbound", "outbound"']],
    // zod words a missing enum field as a wrong value; with the payload at hand it reads as missing.
    ['a missing direction', { ...sampleCrossing(), direction: undefined }, ['direction: is required: one of "inbound", "outbound"']],
    ['a null direction', { ...sampleCrossing(), direction: null }, ['direction: must be one of "inbound", "outbound"']],
    ['a missing occupant role', withOccupant(1, { role: undefined }), ['occupants.1.role: is required: one of "driver", "passenger"']],
    [
      'a timestamp without offset',
      { ...sampleCrossing(), timestamp: '2025-03-01T07:15:00' },
      ['timestamp: must be an ISO 8601 date-time with an offset, e.g. 2025-03-01T07:15:00-08:00'],
    ],
    [
      'a timestamp more than five minutes ahead',
      { ...sampleCrossing(), timestamp: new Date(NOW + MAX_FUTURE_SKEW_MS + 1000).toISOString() },
      ["timestamp: must not be more than 5 minutes in the future (the time here is 2025-03-01T15:15:00.000Z)"],
    ],
    // A mistyped year would make every later crossing of the vehicle see it as long known.
    ['a timestamp before 2000', { ...sampleCrossing(), timestamp: '0001-03-01T07:15:00-08:00' }, ['timestamp: must not be before 2000-01-01T00:00:00Z']],
    ['a missing plate', withVehicle({ plate: undefined }), ['vehicle.plate: is required']],
    ['a plate with punctuation', withVehicle({ plate: 'AB#12' }), ['vehicle.plate: may contain only letters, digits, spaces and hyphens']],
    // Spaces and hyphens are dropped before hashing: these would all be one vehicle's history.
    ['a plate of hyphens only', withVehicle({ plate: '-' }), ['vehicle.plate: must contain a letter or digit']],
    ['a plate of hyphens and spaces', withVehicle({ plate: ' - - ' }), ['vehicle.plate: must contain a letter or digit']],
    ['a traveler id of hyphens only', withOccupant(0, { travelerId: ' -- ' }), [
      'occupants.0.travelerId: must contain something other than spaces and hyphens',
    ]],
    // One person twice, however spelled (identifiers compare as they hash): their history would count twice.
    ['a traveler listed twice', withOccupant(1, { travelerId: 'p-123 456 789' }), [
      'occupants.1.travelerId: is the traveler of occupants.0 again: list each traveler once',
    ]],
    ['a lower-case jurisdiction', withVehicle({ plateJurisdiction: 'ca' }), ['vehicle.plateJurisdiction: must be a jurisdiction code such as CA or MX-BCN']],
    ['a VIN with an O', withVehicle({ vin: '1HGCM82633O004352' }), ['vehicle.vin: must be 17 characters, capital letters (no I, O, Q) and digits']],
    ['a fractional year', withVehicle({ year: 2015.5 }), ['vehicle.year: must be an integer year']],
    ['a year as a string', withVehicle({ year: '2015' }), ['vehicle.year: must be a number']],
    ['an impossible date', withVehicle({ registeredOn: '2025-02-30' }), ['vehicle.registeredOn: must be a date YYYY-MM-DD']],
    ['an unknown vehicle field', withVehicle({ color: 'red' }), ['vehicle.color: unknown field']],
    ['an unknown top-level field', { ...sampleCrossing(), notes: 'looked nervous' }, ['notes: unknown field']],
    ['no occupants', { ...sampleCrossing(), occupants: [] }, ['occupants: at least one occupant is required']],
    [
      'two drivers',
      withOccupant(1, { role: 'driver' }),
      ['occupants: exactly one driver is required'],
    ],
    ['no driver', withOccupant(0, { role: 'passenger' }), ['occupants: exactly one driver is required']],
    ['an unknown document type', withOccupant(0, { documentType: 'library_card' }), [
      'occupants.0.documentType: must be one of "passport", "passport_card", "enhanced_drivers_license", "border_crossing_card", "permanent_resident_card", "trusted_traveler_card", "visa", "other"',
    ]],
    ['trustedTraveler as a string', withOccupant(0, { trustedTraveler: 'yes' }), ['occupants.0.trustedTraveler: must be a boolean']],
    ['a two-letter citizenship', withOccupant(1, { audit: { citizenship: 'MX' } }), [
      'occupants.1.audit.citizenship: must be an ISO 3166-1 alpha-3 country code, e.g. USA, MEX',
    ]],
    ['an unknown audit field', withOccupant(1, { audit: { race: 'x' } }), ['occupants.1.audit.race: unknown field']],
    ['a body that is not an object', 'crossing', ['body: must be an object']],
  ];

  it.each(cases)('refuses %s', (_, payload, expected) => {
    expect(messages(payload)).toEqual(expected);
  });

  it('refuses 16 occupants', () => {
    const event = sampleCrossing();
    const passengers = Array.from({ length: 15 }, (_, i) => ({ ...event.occupants[1]!, travelerId: `P${i}` }));
    expect(messages({ ...event, occupants: [event.occupants[0]!, ...passengers] })).toEqual([
      'occupants: at most 15 occupants are allowed',
    ]);
  });

  it('reports every problem at once, so a console fixes them in one round trip', () => {
    expect(messages({ ...sampleCrossing(), port: 'x', lane: 'y' })).toHaveLength(2);
  });
});
