import type { HistoryFact } from '../../features/history.ts';
import type { CrossingRecord, HistoryStore } from '../../store/history-store.ts';
import { isSqliteBusy, type SqliteDatabase } from '../../store/sqlite/database.ts';
import { factsForOutcome } from '../outcomes/outcome-facts.ts';
import { createDurability } from './durability.ts';
import type { DecisionRecord, OutcomeRecord } from './decision-record.ts';
import {
  DECISION_COLUMNS,
  INSERT_DECISION_SQL,
  INSERT_OUTCOME_SQL,
  OUTCOME_COLUMNS,
  decisionFromRow,
  decisionToRow,
  outcomeFromRow,
  outcomeToRow,
  type DecisionRow,
  type OutcomeRow,
} from './decision-rows.ts';

/**
 * The decision log's write path: decisions, outcomes and unscored crossings, each durable before
 * its promise resolves, with group commit.
 *
 * Group commit. Writes that arrive while the event loop is busy share one transaction: each append
 * queues, and the first append of an event-loop turn schedules a flush (setImmediate) that commits
 * everything queued by then. At rest a batch is one write; under load it holds every request that
 * reached this point in the same turn.
 *
 * Durability (durability.ts). A write's promise resolves, and its route replies, only once the
 * transaction is on stable storage: in WAL mode the commit's frames are fsynced, either by COMMIT
 * itself (synchronous=FULL, `inline`) or, the service's default, by an fsync of the WAL file on
 * libuv's thread pool that started after the COMMIT (synchronous=NORMAL, `wal-fsync`). Either
 * way a 200 means the record survives a killed process and a power cut. With `wal-fsync` the
 * event loop goes on scoring and committing the next batch while the disk flushes the last one,
 * and one fsync covers every batch committed before it started.
 *
 * One transaction per batch holds, for every write: its decision or outcome row, its crossing's
 * history rows (through the history store, so the store and the log never disagree), the history
 * facts of an outcome, the Idempotency-Key reply, and whatever registered batch writers add
 * (monitoring aggregates). Either all of that lands or none of it.
 *
 * A write that fails (a constraint, an unknown decision) fails alone: when a batch fails, its
 * writes are retried one transaction each, so the others still land. A failed COMMIT or fsync is
 * different: what is on disk and in the store's caches is no longer known, so the log stops
 * accepting writes and reports through `onFatal` (fail-stop, as PostgreSQL PANICs on a failed
 * fsync: https://wiki.postgresql.org/wiki/Fsync_Errors).
 *
 * Not a worker thread: the commit itself (inserts, no fsync) costs tens of microseconds per
 * batch, less than handing each request's records to another thread; only the fsync waits on the
 * disk, and that is what goes to the thread pool. Figures in the service's README section.
 */

export interface IdempotencyClaim {
  /** Token id and route: keys are private to their caller. */
  readonly scope: string;
  readonly key: string;
  /** HMAC of the request body (idempotency.ts). */
  readonly requestHash: string;
}

export interface StoredReply {
  readonly statusCode: number;
  readonly body: unknown;
}

export interface AppliedDecision {
  readonly kind: 'decision';
  readonly decision: DecisionRecord;
}

export interface AppliedOutcome {
  readonly kind: 'outcome';
  readonly outcome: OutcomeRecord;
  /** The outcome this one corrected, or null. */
  readonly superseded: OutcomeRecord | null;
  readonly decision: DecisionRecord;
  /** The history facts written for it (the difference to the superseded outcome). */
  readonly facts: readonly HistoryFact[];
}

export interface AppliedCrossings {
  readonly kind: 'crossings';
  readonly count: number;
}

type Applied = AppliedDecision | AppliedOutcome | AppliedCrossings;

/** An outcome as reported; the log sets `supersedes` inside the transaction. */
export type NewOutcome = Omit<OutcomeRecord, 'supersedes'>;

/** What one committed batch wrote, for batch writers (inside the transaction) and listeners (after it). */
export interface DecisionLogBatch {
  readonly decisions: readonly DecisionRecord[];
  readonly outcomes: readonly AppliedOutcome[];
  /** Crossings recorded in the history store: one per decision plus the unscored ones. */
  readonly crossings: number;
}

/**
 * Runs inside each batch's write transaction on the log's connection, after the batch's decision
 * and outcome rows are inserted and before COMMIT. Throwing rolls the batch back (and its writes are
 * retried one by one, so a writer that always throws fails every write: keep writers total).
 */
export interface BatchWriter {
  readonly name: string;
  write(batch: DecisionLogBatch): void;
}

export type CommitListener = (batch: DecisionLogBatch) => void;

export class UnknownDecisionError extends Error {
  constructor(readonly decisionId: string) {
    super(`decision ${decisionId} not found`);
    this.name = 'UnknownDecisionError';
  }
}

export class DecisionLogUnavailableError extends Error {
  constructor(reason: string) {
    super(`decision log unavailable: ${reason}`);
    this.name = 'DecisionLogUnavailableError';
  }
}

/**
 * Another process holds the database's write lock (an `npm run import` batch, or a second service
 * started on the same REFERRAL_DB) for longer than the connection's busy timeout. Nothing of the
 * batch was written and the log stays usable: the caller may send the request again.
 */
export class DecisionLogBusyError extends Error {
  constructor(reason: string) {
    super(`database busy: another process holds the write lock of the database (an import?) (${reason}); nothing was recorded`);
    this.name = 'DecisionLogBusyError';
  }
}

export interface DecisionLog {
  appendDecision(decision: DecisionRecord, crossing: CrossingRecord, reply?: (applied: AppliedDecision) => IdempotentReply): Promise<AppliedDecision>;
  appendOutcome(outcome: NewOutcome, reply?: (applied: AppliedOutcome) => IdempotentReply): Promise<AppliedOutcome>;
  appendCrossings(crossings: readonly CrossingRecord[], reply?: (applied: AppliedCrossings) => IdempotentReply): Promise<AppliedCrossings>;
  /** Monitoring aggregates and the like, kept in step with the decisions in the same transaction. */
  addBatchWriter(writer: BatchWriter): void;
  /**
   * Called after each successful COMMIT, when reads see the batch (in-memory state: budget windows,
   * Prometheus counters); its replies go out once the fsync that follows completes.
   */
  onCommitted(listener: CommitListener): void;
  /** Writes queued and not yet committed. */
  pending(): number;
  /** False after a failed COMMIT or close(). */
  healthy(): boolean;
  /** Commits what is queued, then refuses new writes. */
  close(): Promise<void>;
}

/** The reply to store with an Idempotency-Key, in the same transaction as the write. */
export interface IdempotentReply extends StoredReply {
  readonly claim: IdempotencyClaim;
}

export interface DecisionLogOptions {
  /** The write connection (WAL, synchronous=FULL). Nothing else may write through it. */
  readonly db: SqliteDatabase;
  /** The history store on the same connection. */
  readonly store: HistoryStore;
  readonly clock?: () => number;
  readonly onFatal?: (error: Error) => void;
  /** Per-batch timing and size, for /metrics. */
  readonly onBatch?: (size: number, seconds: number) => void;
  /** A commit listener threw: the batch is committed regardless; report it. */
  readonly onListenerError?: (error: Error) => void;
}

type Write =
  | { readonly kind: 'decision'; readonly decision: DecisionRecord; readonly crossing: CrossingRecord; readonly reply?: (a: AppliedDecision) => IdempotentReply }
  | { readonly kind: 'outcome'; readonly outcome: NewOutcome; readonly reply?: (a: AppliedOutcome) => IdempotentReply }
  | { readonly kind: 'crossings'; readonly crossings: readonly CrossingRecord[]; readonly reply?: (a: AppliedCrossings) => IdempotentReply };

interface Queued {
  readonly write: Write;
  readonly resolve: (applied: Applied) => void;
  readonly reject: (error: Error) => void;
}

export function createDecisionLog(options: DecisionLogOptions): DecisionLog {
  const { db, store } = options;
  const clock = options.clock ?? Date.now;
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const insertDecision = db.prepare(INSERT_DECISION_SQL);
  const insertOutcome = db.prepare(INSERT_OUTCOME_SQL);
  const insertReply = db.prepare(
    'INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const selectDecision = db.prepare<[string], DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE id = ?`);
  const selectLatestRecordedAt = db.prepare<[string], number>('SELECT max(recorded_at) FROM outcomes WHERE decision_id = ?').pluck();
  const selectCurrentOutcome = db.prepare<[string], OutcomeRow>(
    `SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE decision_id = ? ORDER BY seq DESC LIMIT 1`,
  );

  let failure: Error | null = null;
  const durability = createDurability(db, (error) => {
    failure ??= error;
    options.onFatal?.(error);
  });
  const writers: BatchWriter[] = [];
  const listeners: CommitListener[] = [];
  let queue: Queued[] = [];
  let scheduled = false;
  let flushing: Promise<void> | null = null;
  let closed = false;

  function storeReply<A extends Applied>(applied: A, reply: ((a: A) => IdempotentReply) | undefined): void {
    if (reply === undefined) return;
    const stored = reply(applied);
    insertReply.run(stored.claim.scope, stored.claim.key, stored.claim.requestHash, stored.statusCode, JSON.stringify(stored.body), clock());
  }

  /** Applies writes in one transaction; resolves after COMMIT. Throws when any write fails (nothing lands). */
  async function commitBatch(writes: readonly Write[]): Promise<Applied[]> {
    if (failure !== null) throw new DecisionLogUnavailableError(failure.message);
    try {
      begin.run();
    } catch (error) {
      if (isSqliteBusy(error)) throw new DecisionLogBusyError((error as Error).message);
      throw error;
    }
    let committed = false;
    try {
      const applied: Applied[] = [];
      const decisions: DecisionRecord[] = [];
      const outcomes: AppliedOutcome[] = [];
      const crossings: CrossingRecord[] = [];
      const facts: HistoryFact[] = [];
      for (const write of writes) {
        switch (write.kind) {
          case 'decision': {
            insertDecision.run(decisionToRow(write.decision));
            const done: AppliedDecision = { kind: 'decision', decision: write.decision };
            storeReply(done, write.reply);
            decisions.push(write.decision);
            crossings.push(write.crossing);
            applied.push(done);
            break;
          }
          case 'outcome': {
            const done = applyOutcome(write.outcome);
            storeReply(done, write.reply);
            outcomes.push(done);
            facts.push(...done.facts);
            applied.push(done);
            break;
          }
          case 'crossings': {
            const done: AppliedCrossings = { kind: 'crossings', count: write.crossings.length };
            storeReply(done, write.reply);
            crossings.push(...write.crossings);
            applied.push(done);
            break;
          }
        }
      }
      const batch: DecisionLogBatch = { decisions, outcomes, crossings: crossings.length };
      for (const writer of writers) writer.write(batch);
      // Last before COMMIT, and one call: the store caches what it writes (entity ids, running
      // values) once its own savepoint is released, and forgets it only when that savepoint rolls
      // back. Nothing after this point but COMMIT may roll the batch back (a failed COMMIT stops
      // the log: fail).
      if (crossings.length > 0 || facts.length > 0) await store.record({ crossings, facts });
      try {
        commit.run();
        committed = true;
      } catch (error) {
        throw fail(error as Error);
      }
      for (const listener of listeners) {
        try {
          listener(batch);
        } catch (error) {
          options.onListenerError?.(error as Error);
        }
      }
      return applied;
    } finally {
      if (!committed && db.inTransaction) rollback.run();
    }
  }

  function applyOutcome(outcome: NewOutcome): AppliedOutcome {
    const decisionRow = selectDecision.get(outcome.decisionId);
    if (decisionRow === undefined) throw new UnknownDecisionError(outcome.decisionId);
    const decision = decisionFromRow(decisionRow);
    const previousRow = selectCurrentOutcome.get(outcome.decisionId);
    const superseded = previousRow === undefined ? null : outcomeFromRow(previousRow);
    const record: OutcomeRecord = { ...outcome, supersedes: superseded?.id ?? null };
    insertOutcome.run(outcomeToRow(record));
    // History facts are dated when the service recorded them, not when the officer says it happened:
    // the features count facts "recorded before t" (features/feature-spec.ts), so a crossing scored
    // live counts a fact exactly when a training set rebuilt from history does (up to the console's
    // clock skew), and a result reported hours after the inspection does not reach back to crossings
    // already scored without it. The date is the running maximum over the decision's reports, so a
    // correction never withdraws a fact before it was recorded, even after the clock stepped back.
    const at = selectLatestRecordedAt.get(outcome.decisionId)!;
    const facts = factsForOutcome(superseded, record, [decision.vehicleKey, ...decision.travelerKeys], at);
    return { kind: 'outcome', outcome: record, superseded, decision, facts };
  }

  function fail(error: Error): Error {
    failure = error;
    options.onFatal?.(error);
    return new DecisionLogUnavailableError(`COMMIT failed (${error.message}); restart the service`);
  }

  /** Resolves `queued` once its batch is durable (durability.ts), without holding up the next batch. */
  function acknowledgeWhenDurable(queued: readonly Queued[], applied: readonly Applied[], started: bigint): void {
    durability.afterCommit().then(
      () => {
        queued.forEach((q, i) => q.resolve(applied[i]!));
        options.onBatch?.(queued.length, Number(process.hrtime.bigint() - started) / 1e9);
      },
      (error: unknown) => {
        for (const q of queued) q.reject(new DecisionLogUnavailableError(`fsync failed (${(error as Error).message}); restart the service`));
      },
    );
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const started = process.hrtime.bigint();
    try {
      acknowledgeWhenDurable(batch, await commitBatch(batch.map((q) => q.write)), started);
    } catch (error) {
      // After a failed COMMIT every write gets the DecisionLogUnavailableError commitBatch threw. When
      // another process holds the write lock, each write on its own would wait out the busy timeout
      // again, with the event loop stopped: every write of the batch gets the DecisionLogBusyError.
      if (failure !== null || batch.length === 1 || error instanceof DecisionLogBusyError) {
        for (const q of batch) q.reject(error as Error);
        return;
      }
      // One write spoiled the batch: give each its own transaction so only it fails.
      for (const q of batch) {
        try {
          acknowledgeWhenDurable([q], await commitBatch([q.write]), started);
        } catch (single) {
          q.reject(single as Error);
        }
      }
    }
  }

  function runFlush(): void {
    if (flushing !== null) return;
    flushing = flush().finally(() => {
      flushing = null;
      if (queue.length > 0) schedule();
    });
  }

  function schedule(): void {
    if (scheduled || flushing !== null) return;
    scheduled = true;
    setImmediate(runFlush);
  }

  function append<A extends Applied>(write: Write): Promise<A> {
    if (failure !== null) return Promise.reject(new DecisionLogUnavailableError(failure.message));
    if (closed) return Promise.reject(new DecisionLogUnavailableError('closed'));
    return new Promise<A>((resolve, reject) => {
      queue.push({ write, resolve: resolve as (a: Applied) => void, reject });
      schedule();
    });
  }

  return {
    appendDecision: (decision, crossing, reply) => append<AppliedDecision>({ kind: 'decision', decision, crossing, reply }),
    appendOutcome: (outcome, reply) => append<AppliedOutcome>({ kind: 'outcome', outcome, reply }),
    appendCrossings: (crossings, reply) => append<AppliedCrossings>({ kind: 'crossings', crossings, reply }),
    addBatchWriter: (writer) => {
      writers.push(writer);
    },
    onCommitted: (listener) => {
      listeners.push(listener);
    },
    pending: () => queue.length,
    healthy: () => failure === null && !closed,
    close: async () => {
      closed = true;
      while (flushing !== null || queue.length > 0) {
        if (flushing === null) runFlush();
        await flushing;
      }
      await durability.close();
    },
  };
}
