import type { SqliteDatabase } from '../../store/sqlite/database.ts';
import type { DecisionRecord, OutcomeRecord } from './decision-record.ts';
import { DECISION_COLUMNS, OUTCOME_COLUMNS, decisionFromRow, outcomeFromRow, type DecisionRow, type OutcomeRow } from './decision-rows.ts';

/**
 * Reads of the decision log, on the read connection: it sees committed transactions only, so a
 * decision is visible here exactly when its reply may have been sent.
 */
export interface StoredDecision extends DecisionRecord {
  readonly seq: number;
}

export interface StoredOutcome extends OutcomeRecord {
  readonly seq: number;
}

export interface IdempotentRecord {
  readonly requestHash: string;
  readonly statusCode: number;
  readonly body: unknown;
}

export interface DecisionRepository {
  findDecision(id: string): StoredDecision | undefined;
  decisionExists(id: string): boolean;
  /** Every outcome of a decision, oldest first; the last one is current. */
  outcomesOf(decisionId: string): StoredOutcome[];
  /**
   * The latest `perPort` scores of each port by model `modelVersion`, oldest first (to refill budget
   * windows at start), reading decisions newest first and stopping when every port is full or
   * `scanLimit` rows were read.
   */
  recentScores(ports: readonly string[], perPort: number, modelVersion: string, scanLimit?: number): Map<string, number[]>;
  /** Decisions whose crossing time is in [from, to), in crossing-time order, for exports. */
  decisionsBetween(from: number, to: number): IterableIterator<StoredDecision>;
  findReply(scope: string, key: string): IdempotentRecord | undefined;
  countDecisions(): number;
}

export function createDecisionRepository(db: SqliteDatabase): DecisionRepository {
  const byId = db.prepare<[string], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE id = ?`);
  const exists = db.prepare<[string], number>('SELECT 1 FROM decisions WHERE id = ?').pluck();
  const outcomes = db.prepare<[string], OutcomeRow>(`SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE decision_id = ? ORDER BY seq`);
  const newestFirst = db.prepare<[string], { port: string; score: number }>('SELECT port, score FROM decisions WHERE model_version = ? ORDER BY seq DESC');
  const between = db.prepare<[number, number], DecisionRow>(
    `SELECT ${DECISION_COLUMNS} FROM decisions WHERE crossing_at >= ? AND crossing_at < ? ORDER BY crossing_at, seq`,
  );
  const reply = db.prepare<[string, string], { request_hash: string; status_code: number; response: string }>(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = ? AND key = ?',
  );
  const count = db.prepare<[], number>('SELECT count(*) FROM decisions').pluck();

  return {
    findDecision: (id) => {
      const row = byId.get(id);
      return row === undefined ? undefined : decisionFromRow(row);
    },
    decisionExists: (id) => exists.get(id) !== undefined,
    outcomesOf: (decisionId) => outcomes.all(decisionId).map(outcomeFromRow),
    recentScores: (ports, perPort, modelVersion, scanLimit = 5_000_000) => {
      const scores = new Map(ports.map((port) => [port, [] as number[]]));
      let open = ports.length;
      let read = 0;
      for (const row of newestFirst.iterate(modelVersion)) {
        if (open === 0 || ++read > scanLimit) break;
        const list = scores.get(row.port);
        if (list === undefined || list.length >= perPort) continue;
        list.push(row.score);
        if (list.length === perPort) open--;
      }
      for (const list of scores.values()) list.reverse();
      return scores;
    },
    decisionsBetween: function* (from, to) {
      for (const row of between.iterate(from, to)) yield decisionFromRow(row);
    },
    findReply: (scope, key) => {
      const row = reply.get(scope, key);
      return row === undefined ? undefined : { requestHash: row.request_hash, statusCode: row.status_code, body: JSON.parse(row.response) as unknown };
    },
    countDecisions: () => count.get()!,
  };
}
