import { endianness } from 'node:os';
import type { SqliteDatabase } from '../../store/sqlite/database.ts';
import type { BatchWriter, DecisionLogBatch } from '../decisions/decision-log.ts';
import { createBatchDeltas, type BatchDeltas, type DecisionCellDelta, type GroupCellDelta } from './batch-deltas.ts';
import { DECISION_FIELDS, GROUP_FIELDS } from './decision-cells.ts';
import type { DistributionLayout } from './distribution-layout.ts';

/**
 * Keeps the monitoring tables (003-monitoring.sql) in step with the decision log, as a decision-log
 * BatchWriter: it runs inside each batch's write transaction, on the log's connection.
 *
 * Write-behind within the log's transactions. Writing every batch's cells at once costs several
 * row updates per decision (each occupant's group at three levels, the histograms): 185-355 µs of
 * CPU per decision on the shared 2-core machine (`npm run bench:monitor`, write path), several
 * times a bare Fastify request. So a batch's changes are summed in memory first (`pending`,
 * committed batches only: added after the log's COMMIT), and written together, inside the
 * transaction of a later batch, once `maxPendingCells` cells or `maxPendingMs` have accumulated.
 * The same hot cells (this week at this port, this group) are then written once per flush instead
 * of once per batch (30-50 µs per decision in the same run). The price is a flush: a batch
 * that writes up to `maxPendingCells` rows, a pause of some milliseconds once a second or so.
 *
 * Nothing is lost:
 * - a flush writes the pending cells and the batch's own in one transaction with that batch, and
 *   moves the marks in monitor_state to the log's last decision and outcome: the tables always
 *   equal the aggregates of exactly the log's prefix up to the marks;
 * - reports add the pending cells to what they read (aggregate-reader.ts), so they always answer
 *   for every committed decision;
 * - after a crash, what was pending is recomputed at start from the log's rows after the marks
 *   (rebuild.ts catchUp), before the service takes writes.
 *
 * Total by construction: nothing here throws on any decision the log accepts (a model version with
 * no card loses only its histograms, reported through `onProblem`), because a throwing writer would
 * fail the writes themselves.
 */

export interface AggregateWriterOptions {
  readonly db: SqliteDatabase;
  /** The distribution layout of a model version (from its card), or undefined when none is known. */
  readonly layoutFor: (modelVersion: string) => DistributionLayout | undefined;
  /** A recoverable oddity (a stored histogram with another layout): logged, never thrown. */
  readonly onProblem?: (message: string) => void;
  /** Flush once this many cells are pending (default 2000: a flush of about 10 ms). 0: every batch. */
  readonly maxPendingCells?: number;
  /** Flush once the oldest pending change is this old (default 1000 ms). 0: every batch. */
  readonly maxPendingMs?: number;
  readonly clock?: () => number;
}

export interface AggregateWriter extends BatchWriter {
  /** Register with the decision log's onCommitted: the batch's changes become pending. */
  committed(batch: DecisionLogBatch): void;
  /** Changes of committed batches not yet in the tables (reports add them). */
  pending(): BatchDeltas;
  /** A new, empty accumulator for `apply` (catch-up, rebuilds, benchmarks). */
  deltas(): BatchDeltas;
  /** Writes accumulated cells to the tables, without moving the marks; call inside a transaction. */
  apply(deltas: BatchDeltas): void;
  /** Sets the marks: the tables hold the aggregates of decisions <= decisionsSeq and outcomes <= outcomesSeq. */
  mark(decisionsSeq: number, outcomesSeq: number): void;
  /** Writes the pending cells now, in a transaction of its own (only while the log is idle: shutdown, tests). */
  flush(): void;
}

const KEY = ['level', 'bucket', 'port', 'model_version'] as const;
const GROUP_KEY = [...KEY, 'sex', 'age_band', 'citizenship'] as const;

function upsertSql(table: string, key: readonly string[], fields: readonly string[]): string {
  const columns = [...key, ...fields];
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${fields.map((f) => `${f} = ${f} + excluded.${f}`).join(', ')}`
  );
}

function isZero(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return false;
  return true;
}

// Blobs are float64 little-endian; typed arrays use the platform's order, so they are used as
// views (no per-value conversion) only where that order is little-endian.
const LITTLE_ENDIAN = endianness() === 'LE';

/** float64 little-endian, as stored in monitor_distributions.data. */
export function encodeDistributions(values: Float64Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const buffer = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) buffer.writeDoubleLE(values[i] as number, i * 8);
  return buffer;
}

/** Adds the first `into.length` stored float64 values of `blob` into `into`. */
export function addEncoded(blob: Buffer, into: Float64Array): void {
  if (LITTLE_ENDIAN) {
    const aligned = blob.byteOffset % 8 === 0 ? blob : Buffer.from(blob);
    const stored = new Float64Array(aligned.buffer, aligned.byteOffset, into.length);
    for (let i = 0; i < into.length; i++) into[i] += stored[i] as number;
    return;
  }
  for (let i = 0; i < into.length; i++) into[i] += blob.readDoubleLE(i * 8);
}

export function createAggregateWriter(options: AggregateWriterOptions): AggregateWriter {
  const { db, layoutFor } = options;
  const clock = options.clock ?? Date.now;
  const maxPendingCells = options.maxPendingCells ?? 2000;
  const maxPendingMs = options.maxPendingMs ?? 1000;
  const upsertDecisionCell = db.prepare(upsertSql('monitor_decision_cells', KEY, DECISION_FIELDS));
  const upsertGroupCell = db.prepare(upsertSql('monitor_group_cells', GROUP_KEY, GROUP_FIELDS));
  const selectDistributions = db
    .prepare<[number, number, string, string], Buffer>('SELECT data FROM monitor_distributions WHERE level = ? AND bucket = ? AND port = ? AND model_version = ?')
    .pluck();
  const writeDistributions = db.prepare(
    'INSERT INTO monitor_distributions (level, bucket, port, model_version, data) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (level, bucket, port, model_version) DO UPDATE SET data = excluded.data',
  );
  const setMarks = db.prepare('UPDATE monitor_state SET decisions_seq = ?, outcomes_seq = ? WHERE id = 1');
  const followLog = db.prepare(
    `UPDATE monitor_state SET decisions_seq = coalesce((SELECT max(seq) FROM decisions), 0),
       outcomes_seq = coalesce((SELECT max(seq) FROM outcomes), 0) WHERE id = 1`,
  );

  let pending = createBatchDeltas(layoutFor);
  let pendingSince: number | null = null;
  /** The batch write() last saw, whose COMMIT is next, and whether its transaction flushed. */
  let staged: { batch: DecisionLogBatch; flushed: boolean } | null = null;

  /** Adds a batch's decisions and outcomes to `into`. */
  const addBatch = (into: BatchDeltas, batch: DecisionLogBatch): void => {
    for (const d of batch.decisions) into.addDecision(d);
    for (const o of batch.outcomes) into.addOutcome(o.decision, o.superseded, o.outcome);
  };

  const writeDecisionCell = (cell: DecisionCellDelta): void => {
    if (!isZero(cell.values)) upsertDecisionCell.run(cell.level, cell.bucket, cell.port, cell.modelVersion, ...cell.values);
    const delta = cell.distributions;
    if (delta === null || isZero(delta)) return;
    const stored = selectDistributions.get(cell.level, cell.bucket, cell.port, cell.modelVersion);
    const sum = Float64Array.from(delta);
    if (stored !== undefined) {
      if (stored.length !== sum.length * 8) {
        options.onProblem?.(
          `monitor_distributions of model ${cell.modelVersion} at ${new Date(cell.bucket).toISOString()} (level ${cell.level}) has ` +
            `${stored.length / 8} values, its card's layout ${sum.length}: histograms of this bucket left as they were`,
        );
        return;
      }
      addEncoded(stored, sum);
    }
    writeDistributions.run(cell.level, cell.bucket, cell.port, cell.modelVersion, encodeDistributions(sum));
  };

  const writeGroupCell = (cell: GroupCellDelta): void => {
    if (isZero(cell.values)) return;
    upsertGroupCell.run(cell.level, cell.bucket, cell.port, cell.modelVersion, cell.sex, cell.ageBand, cell.citizenship, ...cell.values);
  };

  const apply = (deltas: BatchDeltas): void => {
    for (const cell of deltas.decisionCells()) writeDecisionCell(cell);
    for (const cell of deltas.groupCells()) writeGroupCell(cell);
  };

  const due = (): boolean =>
    maxPendingCells === 0 || maxPendingMs === 0 || pending.size() >= maxPendingCells || (pendingSince !== null && clock() - pendingSince >= maxPendingMs);

  return {
    name: 'monitoring-aggregates',
    deltas: () => createBatchDeltas(layoutFor),
    apply,
    mark: (decisionsSeq, outcomesSeq) => {
      setMarks.run(decisionsSeq, outcomesSeq);
    },
    pending: () => pending,

    write(batch) {
      staged = null;
      if (batch.decisions.length === 0 && batch.outcomes.length === 0) return;
      // `pending` changes only after COMMIT (committed()), so reports never count a batch that may
      // still roll back; a flush writes the pending cells and this batch's own, in this transaction.
      const flushed = due();
      if (flushed) {
        const own = createBatchDeltas(layoutFor);
        addBatch(own, batch);
        apply(pending);
        apply(own);
        followLog.run();
      }
      staged = { batch, flushed };
    },

    committed(batch) {
      if (staged === null || staged.batch !== batch) return;
      if (staged.flushed) {
        pending = createBatchDeltas(layoutFor);
        pendingSince = null;
      } else {
        addBatch(pending, batch);
        pendingSince ??= clock();
      }
      staged = null;
    },

    flush() {
      if (db.inTransaction) throw new Error('monitoring flush: the write connection is inside a transaction');
      db.transaction(() => {
        apply(pending);
        followLog.run();
      }).immediate();
      pending = createBatchDeltas(layoutFor);
      pendingSince = null;
    },
  };
}
