import fp from 'fastify-plugin';
import type { HistoryStore } from '../../store/history-store.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { createIdentifierHasher, type IdentifierHasher } from '../../store/identifiers.ts';
import { openDatabase, type SqliteDatabase } from '../../store/sqlite/database.ts';
import { createDecisionLog, type DecisionLog } from '../decisions/decision-log.ts';
import type { DurabilityMode } from '../decisions/durability.ts';
import { startCheckpointer } from './checkpointer.ts';
import { createDecisionRepository, type DecisionRepository } from '../decisions/decision-repository.ts';

/**
 * The embedded store: one SQLite file (REFERRAL_DB), two connections.
 * - The write connection (WAL) belongs to the decision log: every write of the service
 *   (decisions, outcomes, unscored crossings, history rows and facts) goes through its group
 *   commit, and is fsynced before its reply (service/decisions/durability.ts).
 * - The read connection (read-only) answers history lookups and decision reads. It sees committed
 *   transactions only, so no lookup ever reads a batch that might still roll back.
 */
export interface Storage {
  readonly hasher: IdentifierHasher;
  /** History lookups (read connection). */
  readonly history: HistoryStore;
  readonly decisionLog: DecisionLog;
  readonly decisions: DecisionRepository;
  /** For plugins that add their own statements (monitoring aggregates on `write` inside batch writers, reports on `read`). */
  readonly databases: { readonly write: SqliteDatabase; readonly read: SqliteDatabase };
}

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage;
  }
}

export interface StoragePluginOptions {
  readonly path: string;
  /** service/decisions/durability.ts: `wal-fsync` (synchronous=NORMAL + WAL fsync off the event loop) or `inline` (FULL). */
  readonly fsync: DurabilityMode;
  readonly identifierKey: Buffer;
  readonly clock: () => number;
  readonly onFatal: (error: Error) => void;
}

export default fp<StoragePluginOptions>(
  async (fastify, options) => {
    // Either way a reply waits for its transaction to be on stable storage (durability.ts).
    const write = openDatabase(options.path, { synchronous: options.fsync === 'inline' ? 'FULL' : 'NORMAL' });
    const read = openDatabase(options.path, { readonly: true });
    // Checkpoints run on a worker thread, not inside the event loop's COMMITs (checkpointer.ts).
    write.pragma('wal_autocheckpoint = 0');
    const checkpointer = startCheckpointer({
      path: options.path,
      onError: (error) => {
        fastify.log.error({ err: error }, 'background WAL checkpoints stopped: the write connection checkpoints again itself');
        write.pragma('wal_autocheckpoint = 1000');
      },
      onCheckpoint: (frames) => fastify.metrics.walFrames.set(frames),
    });
    const writeStore = createSqliteHistoryStore(write);
    const readStore = createSqliteHistoryStore(read);
    const metrics = fastify.metrics;
    const decisionLog = createDecisionLog({
      db: write,
      store: writeStore,
      clock: options.clock,
      onFatal: options.onFatal,
      onBatch: (size, seconds) => {
        metrics.commitBatchSize.observe(size);
        metrics.commitDuration.observe(seconds);
      },
      onListenerError: (error) => fastify.log.error({ err: error }, 'decision log commit listener failed'),
    });
    decisionLog.onCommitted((batch) => {
      if (batch.crossings > 0) metrics.crossingsRecorded.inc(batch.crossings);
    });
    const storage: Storage = {
      // Not the caching hasher: its keys are raw plates and document numbers, which a long-lived
      // service should not hold in memory for hours to save about 2 µs per identifier.
      hasher: createIdentifierHasher(options.identifierKey),
      history: readStore,
      decisionLog,
      decisions: createDecisionRepository(read),
      databases: { write, read },
    };
    fastify.decorate('storage', storage);

    fastify.addHook('onClose', async () => {
      await decisionLog.close();
      await checkpointer.close();
      await readStore.close();
      await writeStore.close();
    });
  },
  { name: 'storage', fastify: '5.x', dependencies: ['metrics'] },
);
