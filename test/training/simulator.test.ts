import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crossingEventSchema } from '../../features/crossing-event.schema.ts';
import { FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { CITIZENSHIP_SHARES } from '../../training/simulator/audit.ts';
import { createEventSerializer } from '../../training/simulator/event-json.ts';
import { createSimulationWriter, CROSSINGS_FILE, INSPECTIONS_FILE, MANIFEST_FILE, TRUTH_FILE } from '../../training/simulator/event-writer.ts';
import { RANDOM_INSPECTION_SHARE } from '../../training/simulator/inspections.ts';
import { createSimulation, simulate, type SimulatedCrossing, type SimulationOptions } from '../../training/simulator/simulate.ts';

/** A fixed clock, after every simulated period here: the simulator only uses it to refuse future periods. */
const NOW = Date.parse('2026-06-01T00:00:00Z');
const clock = (): number => NOW;

const run = (options: SimulationOptions): SimulatedCrossing[] => [...simulate(options, clock)];

const scratch = mkdtempSync(join(tmpdir(), 'simulator-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeRun(options: SimulationOptions, name: string): string {
  const directory = join(scratch, name);
  const simulation = createSimulation(options, clock);
  const writer = createSimulationWriter(directory, simulation.plan);
  for (const crossing of simulation.crossings) writer.write(crossing);
  writer.close();
  return directory;
}

const SMALL: SimulationOptions = { seed: 42, vehicles: 400, days: 30, start: '2025-03-01' };

describe('simulate: determinism', () => {
  it('writes byte-identical files for the same seed, and different crossings for another seed', () => {
    const a = writeRun(SMALL, 'a');
    const b = writeRun(SMALL, 'b');
    const c = writeRun({ ...SMALL, seed: 43 }, 'c');
    for (const file of [CROSSINGS_FILE, TRUTH_FILE, INSPECTIONS_FILE, MANIFEST_FILE]) {
      expect(readFileSync(join(a, file)).equals(readFileSync(join(b, file))), file).toBe(true);
    }
    expect(readFileSync(join(a, CROSSINGS_FILE)).length).toBeGreaterThan(100_000);
    expect(readFileSync(join(a, CROSSINGS_FILE)).equals(readFileSync(join(c, CROSSINGS_FILE)))).toBe(false);
  });
});

describe('simulate: events', () => {
  const crossings = run(SMALL);

  it('produces events that pass the crossing-event schema, in non-decreasing time order', () => {
    const schema = crossingEventSchema(clock);
    expect(crossings.length).toBeGreaterThan(4000);
    let last = -Infinity;
    for (const { event } of crossings) {
      const parsed = schema.safeParse(event);
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
      const at = Date.parse(event.timestamp);
      expect(at).toBeGreaterThanOrEqual(last);
      last = at;
    }
  });

  it('stays inside the period: first local day to the last', () => {
    const dates = crossings.map(({ event }) => event.timestamp.slice(0, 10));
    expect(dates[0]).toBe('2025-03-01');
    expect(dates.every((d) => d >= '2025-03-01' && d <= '2025-03-30')).toBe(true);
    expect(dates).toContain('2025-03-30');
  });

  it('serialises each event exactly as JSON.stringify does', () => {
    const serialize = createEventSerializer();
    for (const { event } of crossings.slice(0, 2000)) expect(serialize(event)).toBe(JSON.stringify(event));
  });

  it('keeps identities consistent: one plate per vehicle, vehicles alternate direction, registration never after the crossing', () => {
    const plateOf = new Map<string, string>();
    const vehicleOfPlate = new Map<string, string>();
    const lastDirection = new Map<string, string>();
    for (const { event, truth } of crossings) {
      const plate = `${event.vehicle.plateJurisdiction}/${event.vehicle.plate}`;
      expect(plateOf.get(truth.vehicleId) ?? plate).toBe(plate);
      expect(vehicleOfPlate.get(plate) ?? truth.vehicleId).toBe(truth.vehicleId);
      plateOf.set(truth.vehicleId, plate);
      vehicleOfPlate.set(plate, truth.vehicleId);
      expect(lastDirection.get(truth.vehicleId)).not.toBe(event.direction);
      lastDirection.set(truth.vehicleId, event.direction);
      const date = event.timestamp.slice(0, 10);
      if (event.vehicle.registeredOn) expect(event.vehicle.registeredOn <= date).toBe(true);
      if (event.vehicle.ownershipChangedOn) expect(event.vehicle.ownershipChangedOn <= date).toBe(true);
    }
  });

  it('uses every port, every lane inbound, only the general lane outbound', () => {
    const ports = new Set(crossings.map(({ event }) => event.port));
    expect(ports.size).toBe(10);
    const inboundLanes = new Set(crossings.filter(({ event }) => event.direction === 'inbound').map(({ event }) => event.lane));
    expect([...inboundLanes].sort()).toEqual(['general', 'nexus', 'ready', 'sentri']);
    expect(crossings.every(({ event }) => event.direction === 'inbound' || event.lane === 'general')).toBe(true);
  });

  it('puts contraband only on inbound crossings, and marks operations consistently', () => {
    for (const { event, truth } of crossings) {
      if (event.direction === 'outbound') expect(truth.contraband).toBe(false);
      expect(truth.operationId === null).toBe(truth.archetype !== 'smuggling_operation');
      expect(truth.operationRun === null).toBe(truth.operationId === null);
      expect(truth.vehicleId.startsWith(truth.operationId === null ? 'v' : 'o')).toBe(true);
    }
  });

  it('shapes traffic: a morning inbound commute peak, and fewer commuters at weekends', () => {
    const commuterInbound = crossings.filter(({ event, truth }) => truth.archetype === 'commuter' && event.direction === 'inbound');
    const hours = commuterInbound.map(({ event }) => Number(event.timestamp.slice(11, 13)));
    const morning = hours.filter((h) => h >= 4 && h < 10).length;
    // Most commuters live across the line and come in to work in the morning (85% of households).
    expect(morning / hours.length).toBeGreaterThan(0.7);
    const weekday = (t: string): number => new Date(`${t.slice(0, 10)}T12:00:00Z`).getUTCDay();
    const perDay = [0, 0, 0, 0, 0, 0, 0];
    for (const { event } of commuterInbound) perDay[weekday(event.timestamp)]!++;
    expect(perDay[0]!).toBeLessThan(perDay[3]! / 5);
  });
});

describe('simulate: base rate', () => {
  /*
   * Why the tolerance. base-rate.ts loads each day the running shortfall r x inbound - loads, so
   * after the last day the number of loads differs from r x inbound only by (1) the binomial
   * noise of the last assignment, standard deviation at most sqrt(r x I_day) with I_day the
   * inbound crossings of a day, and (2) the shortfall of at most the last two days' worth of
   * loads when the last days are weekends with few runs, 2 x r x I_day. The test allows
   * 3 x sqrt(r x I_day) + 2 x r x I_day + 1 loads (the +1 for rounding), which a correct controller
   * exceeds with probability well under 0.3%; a controller that ignored the shortfall would miss
   * by the Poisson noise of the whole run, sqrt(r x I), several times larger.
   */
  const cases: readonly SimulationOptions[] = [
    { seed: 1, vehicles: 3000, days: 120 },
    { seed: 2, vehicles: 3000, days: 120, start: '2024-06-01' },
    { seed: 3, vehicles: 1500, days: 120, baseRate: 0.01 },
    { seed: 4, vehicles: 500, days: 60 },
  ];
  for (const options of cases) {
    it(`realises the target within tolerance (seed ${options.seed}, base rate ${options.baseRate ?? 0.002})`, () => {
      const r = options.baseRate ?? 0.002;
      let inbound = 0;
      let contraband = 0;
      let opportunistic = 0;
      for (const { event, truth } of simulate(options, clock)) {
        if (event.direction !== 'inbound') continue;
        inbound++;
        if (truth.contraband) {
          contraband++;
          if (truth.operationId === null) opportunistic++;
        }
      }
      const perDay = inbound / options.days;
      const allowed = 3 * Math.sqrt(r * perDay) + 2 * r * perDay + 1;
      expect(Math.abs(contraband - r * inbound)).toBeLessThanOrEqual(allowed);
      // About 15% comes from ordinary travelers (OPPORTUNISTIC_SHARE), the rest from operations.
      if (contraband >= 100) {
        expect(opportunistic / contraband).toBeGreaterThan(0.05);
        expect(opportunistic / contraband).toBeLessThan(0.3);
      }
    });
  }

  it('has no contraband and no operations at base rate 0', () => {
    const crossings = run({ ...SMALL, baseRate: 0 });
    expect(crossings.some(({ truth }) => truth.contraband || truth.operationId !== null)).toBe(false);
  });
});

describe('simulate: files', () => {
  it('aligns truth and inspections with the crossings, and writes the manifest', () => {
    const options: SimulationOptions = { seed: 7, vehicles: 800, days: 45, baseRate: 0.01 };
    const directory = writeRun(options, 'files');
    const lines = readFileSync(join(directory, CROSSINGS_FILE), 'utf8').trimEnd().split('\n');
    const truth = readFileSync(join(directory, TRUTH_FILE), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const inspections = readFileSync(join(directory, INSPECTIONS_FILE), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const manifest = JSON.parse(readFileSync(join(directory, MANIFEST_FILE), 'utf8'));
    const expected = run(options);

    expect(lines).toHaveLength(expected.length);
    expect(truth).toHaveLength(expected.length);
    expected.forEach(({ event, truth: t }, i) => {
      expect(JSON.parse(lines[i]!)).toEqual(event);
      const { inspection, ...rest } = t;
      expect(truth[i]).toEqual(rest);
      void inspection;
    });

    const inspected = expected.flatMap(({ truth: t }, i) => (t.inspection === null ? [] : [{ line: i + 1, ...t.inspection }]));
    expect(inspections).toEqual(inspected);
    let lastLine = 0;
    for (const inspection of inspections) {
      const event = JSON.parse(lines[inspection.line - 1]!);
      expect(event.direction).toBe('inbound');
      expect(inspection.line).toBeGreaterThan(lastLine);
      lastLine = inspection.line;
      expect(Date.parse(inspection.recordedAt)).toBeGreaterThan(Date.parse(event.timestamp));
      expect(inspection.result).toBe(truth[inspection.line - 1].contraband ? 'seizure' : 'no_seizure');
      expect(['random', 'targeted']).toContain(inspection.selection);
    }

    const inbound = expected.filter(({ event }) => event.direction === 'inbound').length;
    const random = inspections.filter((i: { selection: string }) => i.selection === 'random').length;
    // Binomial(inbound, 0.5%): within 4 standard deviations.
    const sd = Math.sqrt(inbound * RANDOM_INSPECTION_SHARE * (1 - RANDOM_INSPECTION_SHARE));
    expect(Math.abs(random - inbound * RANDOM_INSPECTION_SHARE)).toBeLessThan(4 * sd);
    // Targeted referrals find contraband far more often than random ones would.
    const targeted = inspections.filter((i: { selection: string }) => i.selection === 'targeted');
    const hitRate = targeted.filter((i: { result: string }) => i.result === 'seizure').length / targeted.length;
    expect(hitRate).toBeGreaterThan(3 * 0.01);

    expect(manifest.featureSpec.hash).toBe(FEATURE_SPEC_HASH);
    expect(manifest.options).toEqual({ seed: 7, vehicles: 800, days: 45, start: '2025-01-01', baseRate: 0.01, injectBias: null });
    expect(manifest.counts.crossings).toBe(expected.length);
    expect(manifest.counts.inbound).toBe(inbound);
    expect(manifest.realisedBaseRate).toBe(manifest.counts.contrabandInbound / inbound);
    expect(manifest.plan.operations).toBeGreaterThan(0);
  });
});

describe('simulate: audit attributes and --inject-bias', () => {
  const options: SimulationOptions = { seed: 11, vehicles: 1200, days: 60, baseRate: 0.02 };
  const plain = run(options);
  const biased = run({ ...options, injectBias: { attribute: 'citizenship', value: 'MEX', strength: 0.8 } });
  const population = CITIZENSHIP_SHARES.find(([c]) => c === 'MEX')![1];

  /** Share of MEX among the distinct travelers (with an audit object) of the chosen crossings. */
  function mexicanShare(crossings: readonly SimulatedCrossing[], operations: boolean): { share: number; n: number } {
    const seen = new Map<string, string>();
    for (const { event, truth } of crossings) {
      if ((truth.operationId !== null) !== operations) continue;
      for (const o of event.occupants) if (o.audit?.citizenship) seen.set(o.travelerId, o.audit.citizenship);
    }
    const values = [...seen.values()];
    return { share: values.filter((c) => c === 'MEX').length / values.length, n: values.length };
  }

  it('draws citizenship independently of smuggling by default: operations recruit like the population', () => {
    const ops = mexicanShare(plain, true);
    const legitimate = mexicanShare(plain, false);
    expect(ops.n).toBeGreaterThan(100);
    // Binomial proportion, 4 standard deviations.
    expect(Math.abs(ops.share - population)).toBeLessThan(4 * Math.sqrt((population * (1 - population)) / ops.n));
    expect(Math.abs(legitimate.share - population)).toBeLessThan(4 * Math.sqrt((population * (1 - population)) / legitimate.n));
  });

  it('makes operations recruit from the group: share s + (1 - s) x population share', () => {
    const ops = mexicanShare(biased, true);
    const expected = 0.8 + 0.2 * population;
    expect(Math.abs(ops.share - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / ops.n));
  });

  it('changes nothing about legitimate traffic: its crossings and truth are identical', () => {
    const legitimate = (crossings: readonly SimulatedCrossing[]): string[] =>
      crossings.filter(({ truth }) => truth.operationId === null).map(({ event, truth }) => JSON.stringify([event, truth]));
    const a = legitimate(plain);
    const b = legitimate(biased);
    expect(a.length).toBeGreaterThan(20_000);
    expect(b.length).toBe(a.length);
    expect(a.findIndex((line, i) => line !== b[i])).toBe(-1);
    // ...while the operations' crossings did change.
    const operations = (crossings: readonly SimulatedCrossing[]): string =>
      JSON.stringify(crossings.filter(({ truth }) => truth.operationId !== null).map(({ event }) => event));
    expect(operations(biased)).not.toBe(operations(plain));
  });

  it('works for sex too', () => {
    const male = run({ ...options, days: 45, injectBias: { attribute: 'sex', value: 'male', strength: 1 } });
    const opsSexes = male.filter(({ truth }) => truth.operationId !== null).flatMap(({ event }) => event.occupants.map((o) => o.audit?.sex));
    expect(opsSexes.filter((s) => s !== undefined).every((s) => s === 'male')).toBe(true);
  });
});

describe('simulate: options', () => {
  it('refuses bad options with the option named', () => {
    expect(() => simulate({ seed: -1, vehicles: 10, days: 10 }, clock).next()).toThrow(/^seed: must be an integer/);
    expect(() => simulate({ seed: 1, vehicles: 0, days: 10 }, clock).next()).toThrow(/^vehicles: must be an integer from 1/);
    expect(() => simulate({ seed: 1, vehicles: 10, days: 1.5 }, clock).next()).toThrow(/^days: must be an integer/);
    expect(() => simulate({ seed: 1, vehicles: 10, days: 10, start: '2025-13-01' }, clock).next()).toThrow(/^start: must be a date/);
    expect(() => simulate({ seed: 1, vehicles: 10, days: 10, baseRate: 0.2 }, clock).next()).toThrow(/^baseRate: must be a number from 0 to 0.05/);
    expect(() => simulate({ seed: 1, vehicles: 10, days: 400, start: '2025-06-01' }, clock).next()).toThrow(/^days: the period 2025-06-01 \+ 400 days ends after today/);
    expect(() =>
      simulate({ seed: 1, vehicles: 10, days: 10, injectBias: { attribute: 'sex', value: 'robot', strength: 0.5 } }, clock).next(),
    ).toThrow(/^injectBias: sex must be one of/);
  });
});
