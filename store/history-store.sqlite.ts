import type { HistoryFact } from '../features/history.ts';
import type { CrossingRecord, HistoryStore } from './history-store.ts';
import type { SqliteDatabase } from './sqlite/database.ts';
import { createEntityIds } from './sqlite/entity-ids.ts';
import { createHistoryReader } from './sqlite/history-reader.ts';
import { createHistoryWriter } from './sqlite/history-writer.ts';

/**
 * The history store on SQLite: the embedded default. Schema and why it looks as it does:
 * store/sqlite/migrations/001-history.sql; writes: sqlite/history-writer.ts; lookups:
 * sqlite/history-reader.ts (bounded work: a few index seeks per entity, no scan).
 *
 * better-sqlite3 is synchronous; the methods are async for the HistoryStore contract. `close()`
 * closes `db` unless `ownsDatabase` is false.
 */
export interface SqliteHistoryStoreOptions {
  /** Entries of the in-process keyed-hash → entity-id cache (ids never change once created). */
  readonly entityCacheSize?: number;
  /** Entities whose latest running values the writer keeps in memory. */
  readonly runningStateCacheSize?: number;
  /**
   * The keyed-hash → entity-id cache, to share with a store on another connection to the same file
   * (entity-ids.ts): the service's read store resolves a crossing's keys, and its write store then
   * finds them cached instead of seeking them again.
   */
  readonly entityIdCache?: Map<string, number>;
  /** close() closes the database too (default true). False when the connection is shared, e.g. with the decision log. */
  readonly ownsDatabase?: boolean;
}

export function createSqliteHistoryStore(db: SqliteDatabase, options: SqliteHistoryStoreOptions = {}): HistoryStore {
  const entities = createEntityIds(db, options.entityCacheSize ?? 2_000_000, options.entityIdCache);
  const writer = createHistoryWriter(db, entities, options.runningStateCacheSize ?? 1_000_000);
  const reader = createHistoryReader(db, entities);
  const countCrossings = db.prepare<[], number>("SELECT next_id - 1 FROM id_sequence WHERE name = 'crossing'").pluck();

  return {
    recordCrossings: async (records) => {
      records.forEach(checkRecord);
      writer.recordCrossings(records);
    },
    recordPackedCrossings: async (packed, dictionary) => {
      writer.recordPacked(packed, dictionary);
    },
    recordFacts: async (facts) => {
      facts.forEach(checkFact);
      writer.recordFacts(facts);
    },
    record: async ({ crossings, facts }) => {
      crossings.forEach(checkRecord);
      facts.forEach(checkFact);
      writer.record(crossings, facts);
    },
    historyBefore: async (query) => {
      checkInstant(query.at, 'query.at');
      return reader.historyBefore(query);
    },
    countCrossings: async () => countCrossings.get()!,
    close: async () => {
      if (options.ownsDatabase !== false) db.close();
    },
  };
}

function checkInstant(at: number, field: string): void {
  if (!Number.isSafeInteger(at)) throw new RangeError(`${field} must be an integer epoch-millisecond instant, got ${at}`);
}

function checkRecord(record: CrossingRecord, index: number): void {
  checkInstant(record.at, `records.${index}.at`);
  const drivers = record.travelers.filter((t) => t.isDriver).length;
  if (drivers !== 1) throw new RangeError(`records.${index}.travelers: exactly one driver is required, got ${drivers}`);
}

function checkFact(fact: HistoryFact, index: number): void {
  checkInstant(fact.recordedAt, `facts.${index}.recordedAt`);
  if (fact.delta !== 1 && fact.delta !== -1) throw new RangeError(`facts.${index}.delta must be 1 or -1`);
  if (fact.kind !== 'referral' && fact.kind !== 'seizure') throw new RangeError(`facts.${index}.kind must be referral or seizure`);
}
