import type { Direction, Lane } from '../features/crossing-event.schema.ts';
import type { CrossingHistory, HistoryFact, HistoryQuery } from '../features/history.ts';
import type { KeyDictionary, PackedCrossings } from './packed-crossings.ts';

/**
 * The crossing-history store: what happened before, for the features of what happens now.
 * Asynchronous so that SQLite (embedded default) and PostgreSQL (many instances) share it.
 *
 * Identifiers arrive already keyed-hashed (store/identifiers.ts); no raw plate, VIN or document
 * number is ever passed to a store.
 */
export interface HistoryStore {
  /** Records crossings in one transaction: every record lands or none does. */
  recordCrossings(records: readonly CrossingRecord[]): Promise<void>;
  /**
   * Optional bulk path for import (store extension): the same as recordCrossings for crossings
   * packed with their keys in a dictionary (store/packed-crossings.ts), which spares building a
   * record object and a string lookup per key. Import falls back to recordCrossings without it.
   */
  recordPackedCrossings?(packed: PackedCrossings, dictionary: KeyDictionary): Promise<void>;
  /** Referral and seizure facts (and their withdrawals), in one transaction. */
  recordFacts(facts: readonly HistoryFact[]): Promise<void>;
  /**
   * Crossings and facts in one transaction: all land or none. For a caller that wraps the store's
   * writes in its own transaction on the same connection (the decision log): the store caches what
   * it wrote (entity ids, running values) once its own transaction ends, so that must be the last
   * step before the caller's COMMIT; two calls in a row would leave the first one's cache behind if
   * the second failed and the caller rolled back.
   */
  record(history: { readonly crossings: readonly CrossingRecord[]; readonly facts: readonly HistoryFact[] }): Promise<void>;
  /** The aggregates of features/history.ts for the vehicle and travelers, strictly before `query.at`. */
  historyBefore(query: HistoryQuery): Promise<CrossingHistory>;
  /** Total crossings stored: for readiness checks and progress lines. */
  countCrossings(): Promise<number>;
  close(): Promise<void>;
}

/** A crossing as stored: hashed keys, no audit attributes, no free text. */
export interface CrossingRecord {
  /** Epoch ms. */
  readonly at: number;
  readonly utcOffsetMinutes: number;
  readonly port: string;
  readonly lane: Lane;
  readonly direction: Direction;
  /** Keyed hash of plate jurisdiction and plate. */
  readonly vehicleKey: string;
  /** Keyed hash of the VIN, when reported. */
  readonly vinKey: string | null;
  /** Keyed hashes of the occupants' traveler ids, in the event's order; exactly one is the driver. */
  readonly travelers: readonly { readonly key: string; readonly isDriver: boolean }[];
}
