import { describe, expect, it } from 'vitest';
import { extract } from '../../features/extract.ts';
import { toFeatureInput, utcOffsetMinutes } from '../../features/feature-input.ts';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SPEC_HASH,
  FEATURE_SPEC_IDENTITY,
  REASON_GROUPS,
  featureSpecHash,
  featureValues,
  type FeatureName,
} from '../../features/feature-spec.ts';
import {
  DAY_MS,
  DISTINCT_SCAN_LIMIT,
  HOUR_MS,
  aggregateHistory,
  type HistoryCrossing,
  type HistoryFact,
} from '../../features/history.ts';
import { createRandom } from '../../lib/random.ts';
import { sampleCrossing } from '../fixtures/crossing-events.ts';

// The sample crossing: Saturday 2025-03-01 07:15 at UTC-8, i.e. 15:15 UTC.
const event = sampleCrossing();
const t = Date.parse('2025-03-01T15:15:00Z');

let seq = 0;
function crossing(at: number, port: string, direction: 'inbound' | 'outbound', vehicleKey: string, driverKey: string, passengers: string[] = []): HistoryCrossing {
  return { at, seq: seq++, port, direction, vehicleKey, driverKey, travelerKeys: [driverKey, ...passengers] };
}
const fact = (entityKey: string, kind: 'referral' | 'seizure', delta: 1 | -1, recordedAt: number): HistoryFact => ({ entityKey, kind, delta, recordedAt });

/**
 * Vehicle V, driven now by D1 with passenger P2 (never seen before). Hand-computed below.
 *   c1 t-400d 2504 in  D1      (outside 365 d)
 *   c2 t-200d 2506 out D1
 *   c3 t-20d  2503 in  D2
 *   c4 t-3d   2504 out D1
 *   c5 t-10h  2504 in  D1
 *   c6 t      2504 in  D1      (same instant: excluded)
 *   c7 t+1h   2506 in  D2      (later: excluded)
 *   c8 t-5d   2503 in  W, driver X, D1 a passenger
 */
const crossings = [
  crossing(t - 400 * DAY_MS, '2504', 'inbound', 'V', 'D1'),
  crossing(t - 200 * DAY_MS, '2506', 'outbound', 'V', 'D1'),
  crossing(t - 20 * DAY_MS, '2503', 'inbound', 'V', 'D2'),
  crossing(t - 3 * DAY_MS, '2504', 'outbound', 'V', 'D1'),
  crossing(t - 10 * HOUR_MS, '2504', 'inbound', 'V', 'D1'),
  crossing(t, '2504', 'inbound', 'V', 'D1'),
  crossing(t + HOUR_MS, '2506', 'inbound', 'V', 'D2'),
  crossing(t - 5 * DAY_MS, '2503', 'inbound', 'W', 'X', ['D1']),
];
const facts = [
  fact('V', 'referral', 1, t - 100 * DAY_MS),
  fact('V', 'seizure', 1, t - 100 * DAY_MS),
  fact('V', 'referral', 1, t - 5 * DAY_MS),
  fact('V', 'referral', -1, t - 2 * DAY_MS), // a correction withdrew the second referral
  fact('V', 'referral', 1, t), // recorded at t: not before t
  fact('V', 'seizure', 1, t + 1),
  fact('D1', 'seizure', 1, t - 50 * DAY_MS),
];

const history = aggregateHistory(crossings, facts, { at: t, vehicleKey: 'V', travelerKeys: ['D1', 'P2'] });
const vector = extract(toFeatureInput(event), history);
const values = featureValues(vector);

describe('extract: each feature against a hand-computed history', () => {
  const expected: Record<FeatureName, number> = {
    vehicleCrossings24h: 1, // c5
    vehicleCrossings7d: 2, // c4, c5
    vehicleCrossings30d: 3, // c3, c4, c5
    vehicleCrossings365d: 4, // c2..c5
    vehicleDistinctPorts30d: 2, // 2503, 2504
    vehicleDistinctDrivers30d: 2, // D2, D1
    vehicleNeverSeen: 0,
    vehicleDaysSinceFirstSeen: 400,
    vehicleDaysSinceLastCrossing: 10 / 24,
    vehicleHoursSinceLastOutbound: 72,
    vehiclePriorReferrals: 1, // +1 +1 -1; the one at t does not count
    vehiclePriorSeizures: 1,
    occupantPriorReferrals: 0,
    occupantPriorSeizures: 1, // D1's
    driverCrossings7d: 3, // c4, c5, c8
    driverCrossings30d: 3,
    driverDistinctVehicles30d: 2, // V, W
    driverNeverSeen: 0,
    firstTimeOccupants: 1, // P2
    vehicleAgeYears: 10, // 2025 - 2015
    vehicleYearMissing: 0,
    daysSinceRegistration: 90 + 15.25 / 24, // 2024-12-01T00:00Z to 2025-03-01T15:15Z
    registrationMissing: 0,
    daysSinceOwnershipChange: 28 + 15.25 / 24, // 2025-02-01
    ownershipChangeMissing: 0,
    trustedTravelerShare: 0.5,
    occupantCount: 2,
    laneGeneral: 1,
    laneReady: 0,
    laneSentri: 0,
    laneNexus: 0,
    hourOfDaySin: Math.sin((2 * Math.PI * 7.25) / 24), // 07:15 local
    hourOfDayCos: Math.cos((2 * Math.PI * 7.25) / 24),
    dayOfWeekSin: Math.sin((2 * Math.PI * 6) / 7), // Saturday
    dayOfWeekCos: Math.cos((2 * Math.PI * 6) / 7),
  };

  it.each(FEATURE_NAMES.map((name) => [name]))('%s', (name) => {
    // Float32 storage: compare at float32 precision.
    expect(values[name]).toBe(Math.fround(expected[name]));
  });

  it('returns a Float32Array in spec order', () => {
    expect(vector).toBeInstanceOf(Float32Array);
    expect(vector).toHaveLength(FEATURE_COUNT);
  });
});

describe('extract: a vehicle and travelers never seen, nothing optional reported', () => {
  const bare = sampleCrossing({
    lane: 'sentri',
    timestamp: '2025-03-02T23:30:00+00:00',
    vehicle: { plate: 'NEW1', plateJurisdiction: 'TX' },
  });
  const v = featureValues(extract(toFeatureInput(bare), aggregateHistory([], [], { at: Date.parse(bare.timestamp), vehicleKey: 'N', travelerKeys: ['A', 'B'] })));

  it('marks never-seen and uses the caps', () => {
    expect(v.vehicleNeverSeen).toBe(1);
    expect(v.vehicleDaysSinceFirstSeen).toBe(0);
    expect(v.vehicleDaysSinceLastCrossing).toBe(365);
    expect(v.vehicleHoursSinceLastOutbound).toBe(720);
    expect(v.driverNeverSeen).toBe(1);
    expect(v.firstTimeOccupants).toBe(2);
  });

  it('imputes missing vehicle facts with indicators', () => {
    expect([v.vehicleAgeYears, v.vehicleYearMissing]).toEqual([0, 1]);
    expect([v.daysSinceRegistration, v.registrationMissing]).toEqual([3650, 1]);
    expect([v.daysSinceOwnershipChange, v.ownershipChangeMissing]).toEqual([3650, 1]);
  });

  it('one-hot lane and Sunday 23:30', () => {
    expect([v.laneGeneral, v.laneReady, v.laneSentri, v.laneNexus]).toEqual([0, 0, 1, 0]);
    expect(v.dayOfWeekSin).toBe(0);
    expect(v.dayOfWeekCos).toBe(1);
    expect(v.hourOfDaySin).toBe(Math.fround(Math.sin((2 * Math.PI * 23.5) / 24)));
  });
});

describe('local time comes from the offset the console sent', () => {
  it('parses offsets', () => {
    expect(utcOffsetMinutes('2025-03-01T07:15:00-08:00')).toBe(-480);
    expect(utcOffsetMinutes('2025-03-01T07:15:00+05:30')).toBe(330);
    expect(utcOffsetMinutes('2025-03-01T07:15:00Z')).toBe(0);
  });

  it('the same instant written with another offset changes hour and weekday, nothing else', () => {
    const empty = { vehicle: history.vehicle, travelers: history.travelers };
    const pacific = featureValues(extract(toFeatureInput(sampleCrossing({ timestamp: '2025-03-01T23:30:00-08:00' })), empty));
    const utc = featureValues(extract(toFeatureInput(sampleCrossing({ timestamp: '2025-03-02T07:30:00Z' })), empty));
    for (const name of FEATURE_NAMES) {
      if (name.startsWith('hourOfDay') || name.startsWith('dayOfWeek')) continue;
      expect(utc[name], name).toBe(pacific[name]);
    }
    expect(pacific.dayOfWeekSin).toBe(Math.fround(Math.sin((2 * Math.PI * 6) / 7))); // still Saturday at the port
    expect(utc.dayOfWeekSin).toBe(0); // Sunday in UTC
  });
});

describe('aggregate definitions', () => {
  it('counts distinct drivers over the latest DISTINCT_SCAN_LIMIT crossings of the window only', () => {
    const many: HistoryCrossing[] = [];
    // 8 older crossings by B, then DISTINCT_SCAN_LIMIT newer ones by A, all within 30 days.
    for (let i = 0; i < 8; i++) many.push(crossing(t - (20 - i * 0.1) * DAY_MS, '2504', 'inbound', 'F', 'B'));
    for (let i = 0; i < DISTINCT_SCAN_LIMIT; i++) many.push(crossing(t - (10 - i * 0.1) * DAY_MS, '2506', 'inbound', 'F', 'A'));
    const h = aggregateHistory(many, [], { at: t, vehicleKey: 'F', travelerKeys: ['A'] });
    expect(h.vehicle.crossings30d).toBe(8 + DISTINCT_SCAN_LIMIT);
    expect(h.vehicle.distinctDrivers30d).toBe(1);
    expect(h.vehicle.distinctPorts30d).toBe(1);
    // One more crossing by B, older than the scanned ones, changes nothing; one newer does.
    const newer = [...many, crossing(t - DAY_MS, '2504', 'inbound', 'F', 'B')];
    expect(aggregateHistory(newer, [], { at: t, vehicleKey: 'F', travelerKeys: ['A'] }).vehicle.distinctDrivers30d).toBe(2);
  });

  it('breaks ties at the same instant by recording order, latest first', () => {
    const base = t - DAY_MS;
    const tied: HistoryCrossing[] = [];
    for (let i = 0; i < DISTINCT_SCAN_LIMIT; i++) tied.push(crossing(base, '2504', 'inbound', 'T', i === 0 ? 'FIRST' : 'SAME'));
    tied.push(crossing(base, '2504', 'inbound', 'T', 'SAME'));
    // 33 crossings at one instant; the first recorded falls outside the latest 32.
    expect(aggregateHistory(tied, [], { at: t, vehicleKey: 'T', travelerKeys: [] }).vehicle.distinctDrivers30d).toBe(1);
  });

  it('window edges: a crossing exactly 24 h before t is inside, the instant t is outside', () => {
    const edge = [crossing(t - DAY_MS, '2504', 'inbound', 'E', 'D'), crossing(t, '2504', 'inbound', 'E', 'D')];
    const h = aggregateHistory(edge, [], { at: t, vehicleKey: 'E', travelerKeys: ['D'] });
    expect(h.vehicle.crossings24h).toBe(1);
    expect(h.travelers[0]!.crossings7d).toBe(1);
  });
});

describe('point in time', () => {
  it('an event never sees itself or anything later', () => {
    const random = createRandom(7);
    const list: HistoryCrossing[] = [];
    for (let i = 0; i < 300; i++) {
      const at = t - random.int(60) * DAY_MS + random.int(48) * HOUR_MS;
      list.push(crossing(at, random.pick(['2504', '2506']), random.pick(['inbound', 'outbound'] as const), random.pick(['V1', 'V2']), random.pick(['D1', 'D2', 'D3'])));
    }
    const factList = list.map((c) => fact(c.vehicleKey, 'referral', 1, c.at));
    for (const query of list.slice(0, 60)) {
      const all = aggregateHistory(list, factList, { at: query.at, vehicleKey: query.vehicleKey, travelerKeys: [query.driverKey] });
      const strictlyBefore = aggregateHistory(
        list.filter((c) => c.at < query.at),
        factList.filter((f) => f.recordedAt < query.at),
        { at: query.at, vehicleKey: query.vehicleKey, travelerKeys: [query.driverKey] },
      );
      expect(all).toEqual(strictlyBefore);
    }
  });
});

describe('audit attributes never reach the model', () => {
  it('changing every audit attribute leaves the vector bit-identical', () => {
    const random = createRandom(11);
    const reference = new Uint8Array(vector.buffer.slice(0));
    for (let trial = 0; trial < 50; trial++) {
      const changed = sampleCrossing();
      const variant = {
        ...changed,
        occupants: changed.occupants.map((o) => ({
          ...o,
          audit: random.chance(0.2)
            ? undefined
            : {
                sex: random.pick(['female', 'male', 'x', 'unknown'] as const),
                birthYear: 1930 + random.int(80),
                citizenship: random.pick(['USA', 'MEX', 'CAN', 'GTM', 'IND']),
              },
        })),
      };
      const again = extract(toFeatureInput(variant), history);
      expect(new Uint8Array(again.buffer)).toEqual(reference);
    }
  });

  it('the extractor input carries no audit field and no identifier', () => {
    const input = toFeatureInput(event);
    const serialised = JSON.stringify(input);
    for (const forbidden of ['audit', 'sex', 'birthYear', 'citizenship', 'plate', 'vin', 'travelerId', 'P123456789', '7ABC123', 'Honda']) {
      expect(serialised).not.toContain(forbidden);
    }
  });
});

describe('feature spec', () => {
  it('has one reason group per feature, covering every feature exactly once', () => {
    const covered = REASON_GROUPS.flatMap((g) => g.features);
    expect([...covered].sort()).toEqual([...FEATURE_NAMES].sort());
    for (const g of REASON_GROUPS) expect(g.features).toContain(g.primary);
  });

  it('reads every reason as a sentence built from the values', () => {
    const sentences = Object.fromEntries(REASON_GROUPS.map((g) => [g.name, g.sentence(values)]));
    expect(sentences.vehicleCrossings7d).toBe('2 crossings by this vehicle in the last 7 days');
    expect(sentences.vehicleCrossings24h).toBe('1 crossing by this vehicle in the last 24 hours');
    expect(sentences.vehicleDaysSinceLastCrossing).toBe('This vehicle last crossed 10 hours ago');
    expect(sentences.vehicleHoursSinceLastOutbound).toBe('This vehicle left the country 72 hours before this crossing');
    expect(sentences.hourOfDay).toBe('Crossing at 07:15 local time');
    expect(sentences.dayOfWeek).toBe('Crossing on a Saturday');
    expect(sentences.lane).toBe('Crossing in the general lane');
    expect(sentences.ownershipChange).toBe('The vehicle changed owner 29 days ago');
  });

  it('has a hash that changes with any name, order, definition or constant', () => {
    expect(FEATURE_SPEC_HASH).toMatch(/^[0-9a-f]{64}$/);
    const base = FEATURE_SPEC_IDENTITY;
    const [first, second, ...rest] = base.features;
    const variants = [
      { ...base, version: base.version + 1 },
      { ...base, features: [second!, first!, ...rest] },
      { ...base, features: [[first![0], `${first![1]} `] as const, second!, ...rest] },
      { ...base, features: [['renamed', first![1]] as const, second!, ...rest] },
      { ...base, constants: { ...base.constants, DISTINCT_SCAN_LIMIT: DISTINCT_SCAN_LIMIT + 1 } },
    ];
    for (const variant of variants) expect(featureSpecHash(variant)).not.toBe(FEATURE_SPEC_HASH);
    expect(featureSpecHash({ ...base })).toBe(FEATURE_SPEC_HASH);
  });
});
