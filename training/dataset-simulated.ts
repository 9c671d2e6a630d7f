import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrossingEvent } from '../features/crossing-event.schema.ts';
import { extract } from '../features/extract.ts';
import { toFeatureInput } from '../features/feature-input.ts';
import type { HistoryFact } from '../features/history.ts';
import { factsForOutcome } from '../service/outcomes/outcome-facts.ts';
import { toCrossingRecord, toHistoryQuery } from '../store/crossing-record.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { createSqliteHistoryStore } from '../store/history-store.sqlite.ts';
import { createCachingHasher, createIdentifierHasher, type IdentifierHasher } from '../store/identifiers.ts';
import { importCrossings } from '../store/import.ts';
import { readLineBlocks, type NumberedLine } from '../store/ndjson-lines.ts';
import { openDatabase } from '../store/sqlite/database.ts';
import { CROSSINGS_FILE, INSPECTIONS_FILE, TRUTH_FILE } from './simulator/event-writer.ts';
import type { DatasetRow } from './dataset-columns.ts';
import { inRange, type TimeRange } from './time-range.ts';

/**
 * Training rows from a simulator run (`npm run simulate -- --out DIR`), computed the way the
 * service computes them, point in time:
 *
 * 1. the crossings are imported into a temporary SQLite history store with the store's own
 *    import (store/import.ts), as `npm run import` would;
 * 2. the simulated historical inspections become referral and seizure facts about the vehicle and
 *    every traveler aboard, recorded at the inspection's `recordedAt`, through the same rule the
 *    service applies to outcomes (service/outcomes/outcome-facts.ts);
 * 3. for every inbound crossing, `extract(toFeatureInput(event), await store.historyBefore(...))`,
 *    the service's own two calls: the store answers with history strictly before the crossing's
 *    instant, so a crossing's features never see itself, its own inspection or anything later.
 *
 * Every inbound crossing is a row, labelled with the simulator's ground truth (did it carry
 * contraband), weight 1: the simulator knows the truth of uninspected crossings too.
 *
 * The temporary store lives in a fresh folder under the OS temp directory (or `workDir`) and is
 * deleted afterwards; its identifier key is random, used once, never written anywhere.
 */

export interface SimulatedDatasetStats {
  crossings: number;
  inbound: number;
  rows: number;
  positives: number;
  facts: number;
  outOfRange: number;
}

export interface SimulatedDatasetOptions {
  readonly dir: string;
  readonly range: TimeRange;
  /** Where the temporary store goes. Default: the OS temp directory. */
  readonly workDir?: string;
  readonly log?: (line: string) => void;
}

interface TruthLine {
  readonly contraband: boolean;
}

interface InspectionLine {
  readonly line: number;
  readonly recordedAt: string;
  readonly selection: 'random' | 'targeted';
  readonly result: 'seizure' | 'no_seizure';
}

export async function* simulatedDatasetRows(options: SimulatedDatasetOptions, stats: SimulatedDatasetStats): AsyncGenerator<DatasetRow> {
  const log = options.log ?? (() => {});
  const crossingsPath = join(options.dir, CROSSINGS_FILE);
  const folder = mkdtempSync(join(options.workDir ?? tmpdir(), 'secondary-referral-dataset-'));
  // An import that can be re-run: no fsync per commit (store/sqlite/database.ts, Synchronous).
  const db = openDatabase(join(folder, 'history.db'), { synchronous: 'OFF' });
  const store = createSqliteHistoryStore(db);
  let truths: AsyncGenerator<NumberedLine> | undefined;
  try {
    const identifierKey = randomBytes(32);
    const hasher = createCachingHasher(createIdentifierHasher(identifierKey));
    const rejected: string[] = [];
    const imported = await importCrossings({
      path: crossingsPath,
      store,
      identifierKey,
      onRejected: (line) => rejected.push(`line ${line.lineNumber}: ${line.reasons.join('; ')}`),
      onProgress: (p) => log(`  imported ${p.imported.toLocaleString('en-US')} crossings`),
    });
    if (rejected.length > 0) {
      throw new Error(
        `${crossingsPath}: ${rejected.length} lines were refused by import (first: ${rejected[0]}); every line must be a valid crossing for features and truth to stay aligned`,
      );
    }
    stats.crossings = imported.imported;
    log(`imported ${imported.imported.toLocaleString('en-US')} crossings in ${(imported.elapsedMs / 1000).toFixed(1)} s`);

    stats.facts = await recordInspectionFacts(options.dir, store, hasher);
    log(`recorded ${stats.facts.toLocaleString('en-US')} referral and seizure facts from the simulated inspections`);

    truths = lines(join(options.dir, TRUTH_FILE));
    for await (const line of lines(crossingsPath)) {
      const truthLine = await truths.next();
      if (truthLine.done) throw new Error(`${TRUTH_FILE} has fewer lines than ${CROSSINGS_FILE} (ends before line ${line.lineNumber})`);
      if (line.text === '') continue;
      const event = JSON.parse(line.text) as CrossingEvent; // validated by the import above: any refusal stopped the run
      if (event.direction !== 'inbound') continue;
      stats.inbound++;
      const record = toCrossingRecord(event, hasher);
      if (!inRange(options.range, record.at)) {
        stats.outOfRange++;
        continue;
      }
      const truth = JSON.parse(truthLine.value.text) as TruthLine;
      if (typeof truth.contraband !== 'boolean') throw new Error(`${TRUTH_FILE} line ${truthLine.value.lineNumber}: no boolean 'contraband'`);
      const history = await store.historyBefore(toHistoryQuery(record));
      const driver = event.occupants.find((o) => o.role === 'driver');
      stats.rows++;
      if (truth.contraband) stats.positives++;
      if (stats.rows % 200_000 === 0) log(`  ${stats.rows.toLocaleString('en-US')} rows, ${event.timestamp.slice(0, 10)}`);
      yield {
        features: extract(toFeatureInput(event), history),
        label: truth.contraband ? 1 : 0,
        weight: 1,
        timestamp: event.timestamp,
        port: event.port,
        audit: driver?.audit,
      };
    }
  } finally {
    await truths?.return(undefined);
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

export function emptySimulatedStats(): SimulatedDatasetStats {
  return { crossings: 0, inbound: 0, rows: 0, positives: 0, facts: 0, outOfRange: 0 };
}

/**
 * The simulated inspections as history facts, in recordedAt order (the store appends facts in
 * time order without shifting running totals).
 */
async function recordInspectionFacts(dir: string, store: HistoryStore, hasher: IdentifierHasher): Promise<number> {
  const inspections = new Map<number, InspectionLine>();
  for await (const line of lines(join(dir, INSPECTIONS_FILE))) {
    if (line.text === '') continue;
    const inspection = JSON.parse(line.text) as InspectionLine;
    if (!Number.isInteger(inspection.line) || Number.isNaN(Date.parse(inspection.recordedAt))) {
      throw new Error(`${INSPECTIONS_FILE} line ${line.lineNumber}: needs an integer 'line' and an ISO 8601 'recordedAt'`);
    }
    inspections.set(inspection.line, inspection);
  }
  const facts: HistoryFact[] = [];
  for await (const line of lines(join(dir, CROSSINGS_FILE))) {
    const inspection = inspections.get(line.lineNumber);
    if (inspection === undefined) continue;
    const record = toCrossingRecord(JSON.parse(line.text) as CrossingEvent, hasher);
    const keys = [record.vehicleKey, ...record.travelers.map((t) => t.key)];
    const report = {
      referred: true,
      reason: inspection.selection === 'random' ? ('random' as const) : ('officer' as const),
      result: inspection.result,
      items: [],
    };
    facts.push(...factsForOutcome(null, report, keys, Date.parse(inspection.recordedAt)));
  }
  facts.sort((a, b) => a.recordedAt - b.recordedAt);
  const batch = 50_000;
  for (let i = 0; i < facts.length; i += batch) await store.recordFacts(facts.slice(i, i + batch));
  return facts.length;
}

async function* lines(path: string): AsyncGenerator<NumberedLine> {
  for await (const block of readLineBlocks(path)) yield* block;
}
