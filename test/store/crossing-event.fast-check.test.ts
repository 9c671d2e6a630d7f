import { describe, expect, it } from 'vitest';
import { crossingEventSchema } from '../../features/crossing-event.schema.ts';
import { createRandom, type Random } from '../../lib/random.ts';
import { isCertainlyValidCrossingEvent } from '../../store/crossing-event.fast-check.ts';
import { sampleCrossing } from '../fixtures/crossing-events.ts';

const NOW = Date.parse('2025-03-01T16:00:00Z');
const schema = crossingEventSchema(() => NOW);

/** Values that probe each kind of rule: types, lengths, patterns, whitespace, bounds. */
const PROBE_STRINGS = [
    '', ' ', 'a', 'A', 'ZZ', '2504', '250', '25040', '0101', 'abcd', 'CA', 'MX-BCN', 'MX-BCNX', 'ca', 'C', 'C1',
    '7ABC123', ' 7ABC123', '7ABC123 ', '7ABC 123', '7abc-123', '7ABC_123', 'A'.repeat(12), 'A'.repeat(13), 'x'.repeat(40), 'x'.repeat(41),
    'y'.repeat(64), 'y'.repeat(65), '1HGCM82633A004352', '1HGCM82633A00435', '1HGCM82633A0043521', '1HGCM82633A00435I', 'IHGCM82633A004352',
    '2024-12-01', '2024-02-30', '2024-02-29', '2023-02-29', '2024-13-01', '20241201',
    '2025-03-01T07:15:00-08:00', '2025-03-01T15:15:00Z', '2025-03-01T07:15-08:00', '2025-03-01T07:15:00', '2025-03-01T07:15:00.123-08:00',
    '1999-12-31T23:59:59.999Z', '2000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '2025-03-01T24:00:00Z', '2025-03-01T16:05:00Z', '2025-03-01T16:05:01Z', '2025-03-01T16:04:59.999Z', '2025-03-01T16:05:00.001Z', '2025-03-01T07:15:00+14:00',
    'general', 'ready', 'sentri', 'nexus', 'GENERAL', 'inbound', 'outbound', 'driver', 'passenger', 'passport', 'visa', 'other', 'female', 'male', 'x', 'unknown',
    'USA', 'usa', 'US', 'MEXX', 'P123456789', 'P123\u00a0', '\u00a0P123',
    // Nothing but spaces and hyphens: the empty identifier once normalised for hashing.
    '-', '--', 'A-', '- -', '-\u00a0-',
];
const PROBE_NUMBERS = [1899, 1900, 2015, 2100, 2101, 2015.5, -1, 0, Number.MAX_SAFE_INTEGER, 2 ** 60];
const PROBES: unknown[] = [...PROBE_STRINGS, ...PROBE_NUMBERS, true, false, null, [], {}, [1], { a: 1 }, undefined, 'A-', 'A\t'];

function randomValue(random: Random): unknown {
  const strings = PROBE_STRINGS;
  switch (random.int(9)) {
    case 0:
    case 1:
    case 2:
      return random.pick(strings);
    case 3:
      return random.pick(PROBE_NUMBERS);
    case 4:
      return random.pick([true, false]);
    case 5:
      return null;
    case 6:
      return random.pick([[], {}, [1], { a: 1 }]);
    case 7:
      return undefined; // deletes the field
    default:
      return random.pick(['', 'A', '7ABC123']) + random.pick(['', ' ', '-', '\t']);
  }
}

/** A valid event with one to three random fields changed, removed or added, anywhere in it. */
function mutated(random: Random): unknown {
  const event = structuredClone(sampleCrossing()) as unknown as Record<string, unknown>;
  const occupants = event.occupants as Record<string, unknown>[];
  if (random.chance(0.3)) occupants.push({ ...structuredClone(occupants[1]!), travelerId: `T${random.int(1000)}` });
  if (random.chance(0.05)) while (occupants.length <= 15) occupants.push(structuredClone(occupants[1]!));
  if (random.chance(0.05)) occupants.length = 0;
  const targets: Record<string, unknown>[] = [event, event.vehicle as Record<string, unknown>, ...occupants, ...occupants.map((o) => o.audit as Record<string, unknown>).filter(Boolean)];
  const fields: Record<string, string[]> = {
    event: ['port', 'lane', 'direction', 'timestamp', 'vehicle', 'occupants', 'extra'],
    vehicle: ['plate', 'plateJurisdiction', 'vin', 'make', 'model', 'year', 'registeredOn', 'ownershipChangedOn', 'colour'],
    occupant: ['travelerId', 'role', 'documentType', 'trustedTraveler', 'audit', 'name'],
    audit: ['sex', 'birthYear', 'citizenship', 'ethnicity'],
  };
  for (let m = 1 + random.int(3); m > 0; m--) {
    const target = random.pick(targets);
    const kind = target === event ? 'event' : target === event.vehicle ? 'vehicle' : 'travelerId' in target || 'role' in target ? 'occupant' : 'audit';
    const field = random.pick(fields[kind]!);
    const value = randomValue(random);
    if (value === undefined) delete target[field];
    else target[field] = value;
  }
  // Through JSON, as import sees it.
  return JSON.parse(JSON.stringify(event));
}

describe('isCertainlyValidCrossingEvent', () => {
  it('accepts valid events, which the schema returns unchanged', () => {
    const event = JSON.parse(JSON.stringify(sampleCrossing())) as unknown;
    expect(isCertainlyValidCrossingEvent(event, NOW)).toBe(true);
    expect(schema.parse(event)).toEqual(event);
    const minimal = { ...sampleCrossing(), vehicle: { plate: 'A1', plateJurisdiction: 'TX' }, occupants: [{ travelerId: 'X', role: 'driver', documentType: 'visa', trustedTraveler: false }] };
    expect(isCertainlyValidCrossingEvent(JSON.parse(JSON.stringify(minimal)), NOW)).toBe(true);
  });

  /** Fast check true ⇒ the schema accepts the value and returns it unchanged. */
  const expectSafe = (value: unknown): boolean => {
    const fast = isCertainlyValidCrossingEvent(value, NOW);
    const result = schema.safeParse(value);
    if (fast) {
      expect(result.success, JSON.stringify(value)).toBe(true);
      expect(result.data, JSON.stringify(value)).toEqual(value);
    }
    return fast;
  };

  it('never accepts what the schema refuses, field by field: every probe value in every field of a valid event', () => {
    const paths = [
      ...['port', 'lane', 'direction', 'timestamp', 'vehicle', 'occupants', 'extra'].map((f) => [f]),
      ...['plate', 'plateJurisdiction', 'vin', 'make', 'model', 'year', 'registeredOn', 'ownershipChangedOn', 'colour'].map((f) => ['vehicle', f]),
      ...[0, 1].flatMap((i) => ['travelerId', 'role', 'documentType', 'trustedTraveler', 'audit', 'name'].map((f) => ['occupants', i, f])),
      ...[0, 1].flatMap((i) => ['sex', 'birthYear', 'citizenship', 'ethnicity'].map((f) => ['occupants', i, 'audit', f])),
    ];
    let accepted = 0;
    for (const path of paths) {
      for (const probe of PROBES) {
        const event = JSON.parse(JSON.stringify(sampleCrossing())) as Record<string | number, unknown>;
        let target = event;
        for (const step of path.slice(0, -1)) target = target[step] as Record<string | number, unknown>;
        const field = path.at(-1)!;
        if (probe === undefined) delete target[field];
        else target[field] = probe;
        if (expectSafe(JSON.parse(JSON.stringify(event)))) accepted++;
      }
    }
    // Occupant counts and drivers: 0, 1, 15 and 16 occupants; no driver, two drivers.
    const occupant = sampleCrossing().occupants[1]!;
    for (const count of [0, 1, 15, 16]) {
      const occupants = [sampleCrossing().occupants[0]!, ...Array.from({ length: Math.max(0, count - 1) }, () => occupant)].slice(0, count);
      expectSafe(JSON.parse(JSON.stringify({ ...sampleCrossing(), occupants })));
    }
    expectSafe(JSON.parse(JSON.stringify({ ...sampleCrossing(), occupants: [occupant, occupant] })));
    expectSafe(JSON.parse(JSON.stringify({ ...sampleCrossing(), occupants: [sampleCrossing().occupants[0]!, sampleCrossing().occupants[0]!] })));
    expect(accepted).toBeGreaterThan(100);
  });

  it('never accepts what the schema refuses or would change, over many random mutations', () => {
    const random = createRandom(2024);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 6_000; i++) {
      const value = mutated(random);
      if (expectSafe(value)) accepted++;
      else if (!schema.safeParse(value).success) refused++;
    }
    // Both paths are exercised: the check is not trivially false, and mutations do break events.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(2_000);
  });
});
