import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrossingEvent } from '../../features/crossing-event.schema.ts';
import { extract } from '../../features/extract.ts';
import { toFeatureInput } from '../../features/feature-input.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../features/feature-spec.ts';
import { aggregateHistory, type HistoryCrossing, type HistoryFact } from '../../features/history.ts';
import { createRandom } from '../../lib/random.ts';
import { createIdentifierHasher } from '../../store/identifiers.ts';
import { DATASET_COLUMNS } from '../../training/dataset-columns.ts';
import { exportDataset } from '../../training/dataset.ts';
import { loadLabelledTable } from '../../training/load-dataset.ts';
import type { LabelledTable } from '../../training/labelled-table.ts';
import { createSimulationWriter } from '../../training/simulator/event-writer.ts';
import { createSimulation } from '../../training/simulator/simulate.ts';
import { parseTimeRange } from '../../training/time-range.ts';

/**
 * The training set from a simulation, checked against an independent computation: the reference
 * aggregates of features/history.ts (aggregateHistory over plain lists) fed to the extractor, for a
 * sample of rows. The dataset goes through the store's import, the SQLite store and its own fact
 * recording; this test goes through none of them. Equal vectors mean the export is point in time
 * exactly as the definitions say.
 */

const FIXED_NOW = Date.parse('2026-01-01T00:00:00Z');
let folder: string;
let table: LabelledTable;
let events: CrossingEvent[];
let truths: { contraband: boolean }[];
let inspections: { line: number; recordedAt: string; result: 'seizure' | 'no_seizure' }[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'dataset-simulated-test-'));
  const simulation = createSimulation({ seed: 11, vehicles: 400, days: 28, baseRate: 0.03 }, () => FIXED_NOW);
  const writer = createSimulationWriter(join(folder, 'sim'), simulation.plan);
  for (const crossing of simulation.crossings) writer.write(crossing);
  writer.close();
  const out = join(folder, 'train.csv');
  await exportDataset({ source: { kind: 'sim', dir: join(folder, 'sim') }, range: parseTimeRange(undefined, undefined), out, workDir: folder });
  table = await loadLabelledTable(out);
  const read = (file: string): string[] => readFileSync(join(folder, 'sim', file), 'utf8').split('\n').filter((l) => l !== '');
  events = read('crossings.ndjson').map((l) => JSON.parse(l) as CrossingEvent);
  truths = read('truth.ndjson').map((l) => JSON.parse(l) as { contraband: boolean });
  inspections = read('inspections.ndjson').map((l) => JSON.parse(l) as (typeof inspections)[number]);
}, 120_000);

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('dataset from a simulation', () => {
  it('has the documented header, in spec order', () => {
    const header = readFileSync(join(folder, 'train.csv'), 'utf8').split('\n', 1)[0]!.split(',');
    expect(header).toEqual(DATASET_COLUMNS);
    expect(header.slice(0, FEATURE_COUNT)).toEqual(FEATURE_NAMES);
  });

  it('has one row per inbound crossing, in file order, labelled with the ground truth', () => {
    const inbound = events.map((e, i) => ({ e, truth: truths[i]! })).filter(({ e }) => e.direction === 'inbound');
    expect(table.rows).toBe(inbound.length);
    expect(Array.from(table.labels)).toEqual(inbound.map(({ truth }) => (truth.contraband ? 1 : 0)));
    expect(table.timestampTexts).toEqual(inbound.map(({ e }) => e.timestamp));
    expect(new Set(table.weights)).toEqual(new Set([1]));
    expect(table.labels.reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
  });

  it('equals features recomputed from aggregateHistory + extract, point in time, on a sample of rows', () => {
    // Independent history: every crossing and every inspection fact as plain lists.
    const hasher = createIdentifierHasher(Buffer.alloc(32, 7));
    const crossings: HistoryCrossing[] = events.map((e, i) => {
      const travelerKeys = e.occupants.map((o) => hasher.travelerKey(o.travelerId));
      return {
        at: Date.parse(e.timestamp),
        seq: i,
        port: e.port,
        direction: e.direction,
        vehicleKey: hasher.vehicleKey(e.vehicle.plate, e.vehicle.plateJurisdiction),
        driverKey: travelerKeys[e.occupants.findIndex((o) => o.role === 'driver')]!,
        travelerKeys,
      };
    });
    const facts: HistoryFact[] = [];
    for (const inspection of inspections) {
      const c = crossings[inspection.line - 1]!;
      const keys = [...new Set([c.vehicleKey, ...c.travelerKeys])];
      const kinds = inspection.result === 'seizure' ? (['referral', 'seizure'] as const) : (['referral'] as const);
      for (const kind of kinds) for (const entityKey of keys) facts.push({ entityKey, kind, delta: 1, recordedAt: Date.parse(inspection.recordedAt) });
    }

    const inboundLines = events.flatMap((e, i) => (e.direction === 'inbound' ? [i] : []));
    // A random sample, plus the rows that carry history facts (what the point-in-time rule is about).
    const random = createRandom(5);
    const sample = new Set<number>(Array.from({ length: 150 }, () => random.int(inboundLines.length)));
    const priorColumns = ['vehiclePriorReferrals', 'vehiclePriorSeizures', 'occupantPriorReferrals', 'occupantPriorSeizures'].map((n) =>
      FEATURE_NAMES.indexOf(n as (typeof FEATURE_NAMES)[number]),
    );
    for (let row = 0; row < table.rows && sample.size < 250; row++) {
      if (priorColumns.some((j) => table.features[row * FEATURE_COUNT + j] !== 0)) sample.add(row);
    }
    let withFacts = 0;
    let withHistory = 0;
    for (const row of sample) {
      const i = inboundLines[row]!;
      const e = events[i]!;
      const query = { at: crossings[i]!.at, vehicleKey: crossings[i]!.vehicleKey, travelerKeys: crossings[i]!.travelerKeys };
      const expected = extract(toFeatureInput(e), aggregateHistory(crossings, facts, query));
      const actual = table.features.subarray(row * FEATURE_COUNT, (row + 1) * FEATURE_COUNT);
      expect({ row, features: Array.from(actual) }).toEqual({ row, features: Array.from(expected) });
      if (priorColumns.some((j) => expected[j] !== 0)) withFacts++;
      if (expected[FEATURE_NAMES.indexOf('vehicleNeverSeen')] === 0) withHistory++;
    }
    // The sample must exercise what it claims to: prior facts and prior crossings.
    expect(withFacts).toBeGreaterThan(20);
    expect(withHistory).toBeGreaterThan(50);
  });

  it('keeps only --from/--to rows when asked', async () => {
    const out = join(folder, 'week.csv');
    const stats = await exportDataset({
      source: { kind: 'sim', dir: join(folder, 'sim') },
      range: parseTimeRange('2025-01-08', '2025-01-14'),
      out,
      workDir: folder,
    });
    const week = await loadLabelledTable(out);
    expect(week.rows).toBe(stats.rows);
    expect(week.rows).toBeGreaterThan(0);
    expect(Math.min(...week.timestamps)).toBeGreaterThanOrEqual(Date.parse('2025-01-08T00:00:00Z'));
    expect(Math.max(...week.timestamps)).toBeLessThan(Date.parse('2025-01-15T00:00:00Z'));
    // The first row of the period keeps the history from before it (the whole file was imported).
    const full = table.timestampTexts.indexOf(week.timestampTexts[0]!);
    expect(Array.from(week.features.subarray(0, FEATURE_COUNT))).toEqual(Array.from(table.features.subarray(full * FEATURE_COUNT, (full + 1) * FEATURE_COUNT)));
  });
});
