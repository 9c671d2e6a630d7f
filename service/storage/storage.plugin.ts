import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { HistoryStore } from '../../store/history-store.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { createIdentifierHasher, type IdentifierHasher } from '../../store/identifiers.ts';
import { openDatabase, type SqliteDatabase } from '../../store/sqlite/database.ts';
import { createDecisionLog, type DecisionLog } from '../decisions/decision-log.ts';
import type { DurabilityMode } from '../decisions/durability.ts';
import { startCheckpointer } from './checkpointer.ts';
import { acquireInstanceLock, type InstanceLock } from './instance-lock.ts';
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

/**
 * The write connection's page cache. Small on purpose: SQLite ends every write transaction with a
 * page-cache truncate (pager_end_transaction → pcache1TruncateUnsafe) that here scans the cache's
 * whole hash table, whose size follows the pages cached, so with the 256 MiB default the scan
 * grew with uptime and was the single largest native cost of a COMMIT (4-5% of the service's CPU
 * under `npm run bench:serve`). Reads do not need the cache: the file is memory-mapped
 * (openDatabase's mmap_size), and the pages a batch dirties (a few dozen) fit many times over.
 */
const WRITE_CACHE_MIB = 8;

export default fp<StoragePluginOptions>(
  async (fastify, options) => {
    // Before anything is opened: a second service on this file is refused (instance-lock.ts).
    const lock = acquireInstanceLock(options.path);
    try {
      registerStorage(fastify, options, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  },
  { name: 'storage', fastify: '5.x', dependencies: ['metrics'] },
);

function registerStorage(fastify: FastifyInstance, options: StoragePluginOptions, lock: InstanceLock): void {
  // Either way a reply waits for its transaction to be on stable storage (durability.ts).
  const write = openDatabase(options.path, { synchronous: options.fsync === 'inline' ? 'FULL' : 'NORMAL', cacheSizeMiB: WRITE_CACHE_MIB });
  // The read connection reads with pread, not through a memory map. In WAL mode a connection that
  // starts a read transaction after another connection committed drops its page cache and, when
  // it maps the file, unmaps the whole mapping too (SQLite pagerBeginReadTransaction: pager_reset
  // and sqlite3OsUnfetch(fd, 0, 0)); with a commit every few requests, lookups paid a remap and a
  // page fault per page touched. Measured under `npm run bench:serve`: history lookups 48 µs per
  // request instead of 60. The write connection keeps its map (its own commits do not reset it).
  const read = openDatabase(options.path, { readonly: true, mmapSizeBytes: 0 });
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
  // One entity-id cache for both: a lookup resolves a crossing's keys on the read connection, and
  // recording that crossing then finds them cached instead of seeking them again on the write one.
  const entityIdCache = new Map<string, number>();
  const writeStore = createSqliteHistoryStore(write, { entityIdCache });
  const readStore = createSqliteHistoryStore(read, { entityIdCache });
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
    try {
      await decisionLog.close();
      await checkpointer.close();
      await readStore.close();
      await writeStore.close();
    } finally {
      // Last, once the database is closed: no second service starts on it while this one still writes.
      lock.release();
    }
  });
}
