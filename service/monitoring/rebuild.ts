import type { SqliteDatabase } from '../../store/sqlite/database.ts';
import type { OccupantAudit } from '../decisions/decision-record.ts';
import { decodeFeatures, type DecisionRow as StoredDecisionRow } from '../decisions/decision-rows.ts';
import type { AggregateWriter } from './aggregate-writer.ts';
import type { CountedDecision, CountedOutcome } from './decision-cells.ts';

/**
 * Bringing the monitoring tables up to the decision log from its raw rows.
 *
 * The tables hold the aggregates of the log's prefix up to the marks in monitor_state (decisions
 * with seq <= decisions_seq, outcomes with seq <= outcomes_seq). At start, `catchUp` replays what
 * came after: the decisions after the mark (each with no outcome), then the outcomes after the
 * mark in commit order (each replacing the outcome it superseded, or none), in chunks of `chunk`
 * rows, one transaction each, moving the marks with each chunk. Every intermediate state is again
 * the aggregate of a prefix of the log (an outcome's decision always precedes it), so a catch-up
 * that stops half-way resumes where it stopped.
 *
 * Run on the write connection before the service takes writes. After a clean stop there is
 * nothing or little to replay (the cells that were pending, aggregate-writer.ts); a database from
 * before 003-monitoring.sql replays everything; `rebuildAggregates` starts from nothing on purpose.
 */

/** The decision columns a catch-up reads (DECISION_COLUMNS). */
type DecisionRow = Pick<StoredDecisionRow, 'seq' | 'crossing_at' | 'port' | 'model_version' | 'score' | 'features' | 'model_recommendation' | 'randomly_selected' | 'random_referral_rate' | 'referral_propensity' | 'recommendation' | 'audit'>;

interface OutcomeRow extends DecisionRow {
  outcome_seq: number;
  referred: number;
  result: string | null;
  previous_referred: number | null;
  previous_result: string | null;
}

const DECISION_COLUMNS = `d.seq, d.crossing_at, d.port, d.model_version, d.score, d.features, d.model_recommendation, d.randomly_selected,
  d.random_referral_rate, d.referral_propensity, d.recommendation, d.audit`;

function decisionOf(row: DecisionRow): CountedDecision {
  return {
    crossingAt: row.crossing_at,
    port: row.port,
    modelVersion: row.model_version,
    score: row.score,
    features: decodeFeatures(row.features),
    modelRecommendation: row.model_recommendation as CountedDecision['modelRecommendation'],
    randomlySelected: row.randomly_selected === 1,
    randomReferralRate: row.random_referral_rate,
    referralPropensity: row.referral_propensity,
    recommendation: row.recommendation as CountedDecision['recommendation'],
    audit: JSON.parse(row.audit) as OccupantAudit[],
  };
}

export interface MonitorState {
  readonly decisionsSeq: number;
  readonly outcomesSeq: number;
  readonly logDecisionsSeq: number;
  readonly logOutcomesSeq: number;
}

export function monitorState(db: SqliteDatabase): MonitorState {
  const row = db
    .prepare<[], { d: number; o: number; ld: number; lo: number }>(
      `SELECT decisions_seq AS d, outcomes_seq AS o,
         coalesce((SELECT max(seq) FROM decisions), 0) AS ld, coalesce((SELECT max(seq) FROM outcomes), 0) AS lo
       FROM monitor_state WHERE id = 1`,
    )
    .get();
  if (row === undefined) throw new Error('monitor_state has no row: 003-monitoring.sql was not applied as written');
  return { decisionsSeq: row.d, outcomesSeq: row.o, logDecisionsSeq: row.ld, logOutcomesSeq: row.lo };
}

/** Empties the tables and sets the marks to the start of the log. */
export function resetAggregates(db: SqliteDatabase): void {
  db.transaction(() => {
    db.exec('DELETE FROM monitor_decision_cells; DELETE FROM monitor_group_cells; DELETE FROM monitor_distributions;');
    db.exec('UPDATE monitor_state SET decisions_seq = 0, outcomes_seq = 0 WHERE id = 1');
  }).immediate();
}

/** Replays the log after the marks; returns how many decisions and outcomes it replayed. */
export function catchUp(db: SqliteDatabase, writer: AggregateWriter, options: { chunk?: number; clock?: () => number } = {}): { decisions: number; outcomes: number } {
  const chunk = options.chunk ?? 20_000;
  let state = monitorState(db);
  if (state.decisionsSeq > state.logDecisionsSeq || state.outcomesSeq > state.logOutcomesSeq) {
    // Marks beyond the log (a log restored from an older copy): start again from nothing.
    resetAggregates(db);
    state = monitorState(db);
  }
  const decisionsAfter = db.prepare<[number, number], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.seq > ? ORDER BY d.seq LIMIT ?`);
  const outcomesAfter = db.prepare<[number, number], OutcomeRow>(
    `SELECT ${DECISION_COLUMNS}, o.seq AS outcome_seq, o.referred, o.result, p.referred AS previous_referred, p.result AS previous_result
     FROM outcomes o JOIN decisions d ON d.id = o.decision_id LEFT JOIN outcomes p ON p.id = o.supersedes
     WHERE o.seq > ? ORDER BY o.seq LIMIT ?`,
  );
  let decisionsSeq = state.decisionsSeq;
  let outcomesSeq = state.outcomesSeq;
  let decisions = 0;
  let outcomes = 0;
  for (;;) {
    const rows = decisionsAfter.all(decisionsSeq, chunk);
    if (rows.length === 0) break;
    decisionsSeq = (rows[rows.length - 1] as DecisionRow).seq;
    db.transaction(() => {
      const deltas = writer.deltas();
      for (const row of rows) deltas.addDecision(decisionOf(row));
      writer.apply(deltas);
      writer.mark(decisionsSeq, outcomesSeq);
    }).immediate();
    decisions += rows.length;
  }
  for (;;) {
    const rows = outcomesAfter.all(outcomesSeq, chunk);
    if (rows.length === 0) break;
    outcomesSeq = (rows[rows.length - 1] as OutcomeRow).outcome_seq;
    db.transaction(() => {
      const deltas = writer.deltas();
      for (const row of rows) {
        const previous: CountedOutcome | null =
          row.previous_referred === null ? null : { referred: row.previous_referred === 1, result: row.previous_result as CountedOutcome['result'] };
        deltas.addOutcome(decisionOf(row), previous, { referred: row.referred === 1, result: row.result as CountedOutcome['result'] });
      }
      writer.apply(deltas);
      writer.mark(decisionsSeq, outcomesSeq);
    }).immediate();
    outcomes += rows.length;
  }
  if (decisions + outcomes > 0) db.prepare('UPDATE monitor_state SET rebuilt_at = ? WHERE id = 1').run((options.clock ?? Date.now)());
  return { decisions, outcomes };
}

/** Recomputes the tables from nothing: every decision and outcome of the log, replayed. */
export function rebuildAggregates(db: SqliteDatabase, writer: AggregateWriter, options: { chunk?: number; clock?: () => number } = {}): { decisions: number; outcomes: number } {
  resetAggregates(db);
  return catchUp(db, writer, options);
}
