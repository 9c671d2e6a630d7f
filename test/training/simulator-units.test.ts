import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { parseBiasInjection, injectBias, type DrawnAudit } from '../../training/simulator/audit.ts';
import { createBaseRateController } from '../../training/simulator/base-rate.ts';
import { plateFor, travelerIdFor, vinFor } from '../../training/simulator/identities.ts';
import { PendingQueue, type PendingCrossing } from '../../training/simulator/pending-queue.ts';
import { formatTimestamp, localTimeToInstant, parseDate, PORTS, utcOffsetMinutesAt, weekdayOf, type Port } from '../../training/simulator/ports.ts';
import { newSimVehicle, vehicleRecordOn, type VehicleIdentity } from '../../training/simulator/vehicles.ts';

const portOf = (code: string): Port => PORTS.find((p) => p.code === code)!;
const SAN_YSIDRO = portOf('2504');
const NOGALES = portOf('2604');
const BUFFALO = portOf('0901');
const day = (text: string): number => parseDate(text)!;

describe('port time zones (US daylight saving rules)', () => {
  it('switches San Ysidro to PDT at 02:00 PST on the second Sunday of March 2025 (10:00 UTC)', () => {
    expect(formatTimestamp(SAN_YSIDRO, Date.parse('2025-03-09T09:59:59Z'))).toBe('2025-03-09T01:59:59-08:00');
    expect(formatTimestamp(SAN_YSIDRO, Date.parse('2025-03-09T10:00:00Z'))).toBe('2025-03-09T03:00:00-07:00');
  });

  it('switches Buffalo back to EST at 02:00 EDT on the first Sunday of November 2025 (06:00 UTC)', () => {
    expect(formatTimestamp(BUFFALO, Date.parse('2025-11-02T05:59:59Z'))).toBe('2025-11-02T01:59:59-04:00');
    expect(formatTimestamp(BUFFALO, Date.parse('2025-11-02T06:00:00Z'))).toBe('2025-11-02T01:00:00-05:00');
  });

  it('keeps Nogales (Arizona) on MST all year', () => {
    expect(utcOffsetMinutesAt(NOGALES, Date.parse('2025-01-15T12:00:00Z'))).toBe(-420);
    expect(utcOffsetMinutesAt(NOGALES, Date.parse('2025-07-15T12:00:00Z'))).toBe(-420);
  });

  it('maps a local wall-clock time to the instant whose timestamp shows it', () => {
    for (const port of PORTS) {
      for (const date of ['2025-01-06', '2025-07-04', '2025-11-03']) {
        const at = localTimeToInstant(port, day(date), 7 * 60 + 15);
        expect(formatTimestamp(port, at).slice(0, 19)).toBe(`${date}T07:15:00`);
      }
    }
  });

  it('moves a time in the spring-forward gap an hour on, as a clock shows it (Temporal\'s "compatible" reading)', () => {
    // 2025-03-09: San Ysidro's clocks go from 01:59:59 PST to 03:00:00 PDT; 02:30 does not exist.
    expect(formatTimestamp(SAN_YSIDRO, localTimeToInstant(SAN_YSIDRO, day('2025-03-09'), 2 * 60 + 30))).toBe('2025-03-09T03:30:00-07:00');
    expect(formatTimestamp(SAN_YSIDRO, localTimeToInstant(SAN_YSIDRO, day('2025-03-09'), 60 + 59))).toBe('2025-03-09T01:59:00-08:00');
    expect(formatTimestamp(SAN_YSIDRO, localTimeToInstant(SAN_YSIDRO, day('2025-03-09'), 3 * 60))).toBe('2025-03-09T03:00:00-07:00');
    // Nogales keeps MST: 02:30 exists there.
    expect(formatTimestamp(NOGALES, localTimeToInstant(NOGALES, day('2025-03-09'), 2 * 60 + 30))).toBe('2025-03-09T02:30:00-07:00');
    const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    for (const port of PORTS) {
      for (let minute = 0; minute < 6 * 60; minute++) {
        const shown = formatTimestamp(port, localTimeToInstant(port, day('2025-03-09'), minute)).slice(11, 16);
        const inGap = port.observesDst && minute >= 120 && minute < 180;
        expect(shown, `${port.code} ${hhmm(minute)}`).toBe(hhmm(inGap ? minute + 60 : minute));
      }
    }
  });

  it('reads a time in the fall-back hour, which clocks show twice, as its second (standard-time) occurrence', () => {
    expect(formatTimestamp(BUFFALO, localTimeToInstant(BUFFALO, day('2025-11-02'), 60 + 30))).toBe('2025-11-02T01:30:00-05:00');
    expect(formatTimestamp(BUFFALO, localTimeToInstant(BUFFALO, day('2025-11-02'), 30))).toBe('2025-11-02T00:30:00-04:00');
  });

  it('knows weekdays: 2025-03-01 was a Saturday', () => {
    expect(weekdayOf(day('2025-03-01'))).toBe(6);
    expect(weekdayOf(day('1970-01-01'))).toBe(4);
  });

  it('refuses dates that do not exist', () => {
    expect(parseDate('2025-02-29')).toBeUndefined();
    expect(parseDate('2025-2-1')).toBeUndefined();
    expect(parseDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
  });
});

/** Independent check of the North American VIN check digit (49 CFR 565.15). */
function vinCheckDigitValid(vin: string): boolean {
  const values: Record<string, number> = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 };
  const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (/\d/.test(vin[i]!) ? Number(vin[i]) : values[vin[i]!]!) * weights[i]!;
  const check = sum % 11 === 10 ? 'X' : String(sum % 11);
  return vin[8] === check;
}

describe('identities', () => {
  it('gives VINs a valid check digit (known good VIN 1HGCM82633A004352 passes the same check)', () => {
    expect(vinCheckDigitValid('1HGCM82633A004352')).toBe(true);
    expect(vinCheckDigitValid('1HGCM82643A004352')).toBe(false);
    const random = createRandom(3);
    for (let i = 0; i < 500; i++) {
      const vin = vinFor(random, '1HG', 2010 + (i % 15));
      expect(vin).toMatch(/^[A-HJ-NPR-Z0-9]{17}$/);
      expect(vinCheckDigitValid(vin)).toBe(true);
    }
  });

  it('never gives two vehicles of a jurisdiction the same plate, nor two travelers the same document number', () => {
    const plates = new Set<string>();
    for (let serial = 0; serial < 50_000; serial++) plates.add(plateFor('NM', serial, 12345));
    expect(plates.size).toBe(50_000);
    expect(plateFor('CA', 0, 0)).toMatch(/^\d[A-Z]{3}\d{3}$/);
    const ids = new Set<string>();
    for (let serial = 0; serial < 50_000; serial++) ids.add(travelerIdFor('passport', serial, 99).slice(1));
    expect(ids.size).toBe(50_000);
  });
});

describe('bias injection', () => {
  it('parses ATTRIBUTE=VALUE[:STRENGTH] and names what is wrong', () => {
    expect(parseBiasInjection('citizenship=MEX')).toEqual({ attribute: 'citizenship', value: 'MEX', strength: 0.5 });
    expect(parseBiasInjection('sex=male:0.8')).toEqual({ attribute: 'sex', value: 'male', strength: 0.8 });
    expect(parseBiasInjection('age=30')).toMatch(/^attribute must be one of sex, citizenship/);
    expect(parseBiasInjection('citizenship=mexico')).toMatch(/ISO 3166-1 alpha-3/);
    expect(parseBiasInjection('sex=male:1.5')).toMatch(/strength must be a number in \(0, 1\]/);
    expect(parseBiasInjection('citizenship')).toMatch(/expected ATTRIBUTE=VALUE/);
  });

  it('overwrites only the chosen attribute, only when the coin falls under the strength', () => {
    const drawn: DrawnAudit = { citizenship: 'USA', audit: { sex: 'female', birthYear: 1980, citizenship: 'USA' } };
    const injection = { attribute: 'citizenship', value: 'MEX', strength: 0.3 } as const;
    expect(injectBias(drawn, injection, 0.29)).toEqual({ citizenship: 'MEX', audit: { sex: 'female', birthYear: 1980, citizenship: 'MEX' } });
    expect(injectBias(drawn, injection, 0.3)).toBe(drawn);
    expect(injectBias(drawn, null, 0)).toBe(drawn);
  });
});

describe('vehicle records', () => {
  const identity: VehicleIdentity = {
    plate: '7ABC123',
    plateJurisdiction: 'CA',
    vin: undefined,
    make: 'Honda',
    model: 'Civic',
    year: 2015,
    purchasedOn: day('2022-06-15'),
    reportsRegistration: true,
    reportsOwnership: true,
    annualRenewal: true,
  };

  it('dates the registration at the latest yearly renewal on or before the crossing', () => {
    const vehicle = newSimVehicle('v1', 'commuter', null, identity);
    expect(vehicleRecordOn(vehicle, day('2025-03-01'))).toEqual({
      plate: '7ABC123',
      plateJurisdiction: 'CA',
      make: 'Honda',
      model: 'Civic',
      year: 2015,
      registeredOn: '2024-06-15',
      ownershipChangedOn: '2022-06-15',
    });
    expect(vehicleRecordOn(vehicle, day('2025-06-14')).registeredOn).toBe('2024-06-15');
    expect(vehicleRecordOn(vehicle, day('2025-06-15')).registeredOn).toBe('2025-06-15');
    expect(Object.isFrozen(vehicleRecordOn(vehicle, day('2025-06-16')))).toBe(true);
  });

  it('leaves out what the registry does not report', () => {
    const vehicle = newSimVehicle('v2', 'commuter', null, { ...identity, plateJurisdiction: 'MX-BCN', annualRenewal: false, reportsOwnership: false, year: undefined });
    const record = vehicleRecordOn(vehicle, day('2025-03-01'));
    expect(record.registeredOn).toBe('2022-06-15');
    expect('ownershipChangedOn' in record).toBe(false);
    expect('year' in record).toBe(false);
  });
});

function pending(at: number, seq: number, direction: 'inbound' | 'outbound' = 'inbound', contraband = false): PendingCrossing {
  return {
    at,
    seq,
    port: SAN_YSIDRO,
    direction,
    lane: 'general',
    vehicle: newSimVehicle('v', 'commuter', null, {} as VehicleIdentity),
    driver: {} as PendingCrossing['driver'],
    passengers: [],
    contraband,
    operationRun: null,
  };
}

describe('pending queue', () => {
  it('hands crossings out by time, then by planning order', () => {
    const queue = new PendingQueue();
    const random = createRandom(5);
    const items = Array.from({ length: 2000 }, (_, i) => pending(random.int(300), i));
    for (const item of items) queue.push(item);
    const out: PendingCrossing[] = [];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) out.push(next);
    expect(out).toEqual([...items].sort((a, b) => a.at - b.at || a.seq - b.seq));
  });
});

describe('base-rate controller', () => {
  it('loads today exactly the running shortfall in expectation: p = (rate x inbound - loads) / candidates', () => {
    const controller = createBaseRateController(0.01);
    for (let i = 0; i < 1000; i++) controller.planned(pending(i, i));
    controller.planned(pending(0, 1000, 'outbound'));
    controller.planned(pending(0, 1001, 'inbound', true));
    expect(controller.inbound).toBe(1001);
    expect(controller.contraband).toBe(1);
    // Shortfall 0.01 x 1001 - 1 = 9.01 over 20 candidates: p = 0.4505; draws below it are loaded.
    const draws = Array.from({ length: 20 }, (_, i) => (i < 9 ? 0.45 : 0.46));
    let k = 0;
    const scripted = { next: () => draws[k++]! } as unknown as ReturnType<typeof createRandom>;
    const candidates = Array.from({ length: 20 }, (_, i) => pending(i, 2000 + i));
    controller.assignLoads(candidates, scripted);
    expect(candidates.filter((c) => c.contraband)).toHaveLength(9);
    expect(controller.contraband).toBe(10);
  });

  it('loads nothing when ahead of the target, and caps the probability at 0.9', () => {
    const ahead = createBaseRateController(0.001);
    ahead.planned(pending(0, 0, 'inbound', true));
    const c1 = [pending(1, 1)];
    ahead.assignLoads(c1, createRandom(1));
    expect(c1[0]!.contraband).toBe(false);
    const behind = createBaseRateController(0.5);
    for (let i = 0; i < 100; i++) behind.planned(pending(i, i));
    const draws = [0.89, 0.9];
    let k = 0;
    const c2 = [pending(1, 200), pending(2, 201)];
    behind.assignLoads(c2, { next: () => draws[k++]! } as unknown as ReturnType<typeof createRandom>);
    expect(c2.map((c) => c.contraband)).toEqual([true, false]);
  });
});
