import { startTypeScriptWorker } from '../lib/typescript-worker.ts';
import type { HistoryStore } from './history-store.ts';
import { parseBatches, type ParsedBatch, type RejectedLine } from './import-batches.ts';
import { createCrossingLineParser } from './import-line.ts';
import { createEventPacker } from './import-packing.ts';
import { writePacked } from './import-writing.ts';
import type { ImportWorkerData, WorkerToWriter, WriterToWorker } from './import.worker.ts';
import { createIdentifierHasher } from './identifiers.ts';

export type { RejectedLine } from './import-batches.ts';

/**
 * Import of an NDJSON file of crossing events (one event per line, as the simulator writes them and
 * as POST /v1/crossings accepts them) into a history store.
 *
 * Each line is validated with crossingEventSchema; a line that fails (or is not JSON) is reported
 * with its number and reasons and never reaches the store. Valid lines are written in batches, one
 * transaction each. By default parsing runs on a worker thread while this thread writes.
 */
export interface ImportOptions {
  readonly path: string;
  readonly store: HistoryStore;
  /** The REFERRAL_ID_KEY bytes (store/identifiers.ts resolveIdentifierKey). */
  readonly identifierKey: Buffer;
  /** Epoch ms the 5-minute future check compares against, fixed for the whole import. Default: now. */
  readonly now?: number;
  /**
   * Valid lines per transaction, at most (the first transactions are smaller: firstBatchSize).
   * Default 1,000,000: each commit rewrites the last page of every
   * entity it touched (at 10M crossings a batch of 200k touched nearly every traveler's last page
   * for about one new row each), so larger batches write fewer pages per crossing: 50k → 200k
   * measured 2-3x faster at 2M crossings, 200k → 1M 1.7x faster at 10M (38k → 66k crossings/s,
   * test/bench/features.bench.ts). The write lock is held for a batch: against a database a
   * service is using, pass a smaller batch (its busy timeout is 5 s).
   */
  readonly batchSize?: number;
  /**
   * Valid lines in the first transaction; each next one doubles, up to `batchSize`
   * (import-batches.ts rampedBatchSize: the writer starts after a small batch is parsed, not a full
   * one). Default FIRST_IMPORT_BATCH_SIZE, or `batchSize` when smaller.
   */
  readonly firstBatchSize?: number;
  /** Parse on a worker thread while this one writes. Default true. */
  readonly workerThread?: boolean;
  readonly onRejected?: (line: RejectedLine) => void;
  /** Called after each batch is written. */
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  /** Lines read so far (including blank and rejected ones). */
  readonly lines: number;
  readonly imported: number;
  readonly rejected: number;
  readonly elapsedMs: number;
  /** Imported crossings per second so far. */
  readonly perSecond: number;
}

export type ImportResult = ImportProgress;

export const DEFAULT_IMPORT_BATCH_SIZE = 1_000_000;
export const FIRST_IMPORT_BATCH_SIZE = 16_384;

/**
 * How import opens its database (store/sqlite/database.ts): NORMAL, since an interrupted import
 * is resumed from its last progress line (README) and a per-commit fsync buys nothing (in WAL mode
 * a committed batch survives a crash of the process; only a power loss can take the last ones); a page cache that holds a batch's dirty pages
 * (a batch of 1M crossings dirties a page or more per entity it touches, a few hundred thousand
 * entities at 10M crossings; pages past the cache spill to the WAL mid-batch, which stays correct
 * but writes them twice). A ceiling that a 10M import fills: its process peaked at 3.1 GB RSS.
 */
export const IMPORT_DATABASE_OPTIONS = { synchronous: 'NORMAL', cacheSizeMiB: 3072 } as const;

export async function importCrossings(options: ImportOptions): Promise<ImportResult> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const firstBatchSize = Math.min(batchSize, options.firstBatchSize ?? FIRST_IMPORT_BATCH_SIZE);
  if (!Number.isInteger(firstBatchSize) || firstBatchSize < 1) throw new RangeError(`firstBatchSize must be a positive integer, got ${firstBatchSize}`);
  const now = options.now ?? Date.now();
  const started = performance.now();
  let lines = 0;
  let imported = 0;
  let rejected = 0;
  const progress = (): ImportProgress => {
    const elapsedMs = performance.now() - started;
    return { lines, imported, rejected, elapsedMs, perSecond: elapsedMs > 0 ? (imported * 1000) / elapsedMs : 0 };
  };

  const batches =
    options.workerThread === false
      ? parseHere(options.path, options.identifierKey, now, batchSize, firstBatchSize)
      : parseOnWorker({ path: options.path, identifierKey: options.identifierKey, now, batchSize, firstBatchSize, aheadBatches: 2 });

  const write = writePacked(options.store);
  for await (const batch of batches) {
    await write(batch.records);
    imported += batch.records.count;
    rejected += batch.rejected.length;
    lines = batch.lastLine;
    for (const line of batch.rejected) options.onRejected?.(line);
    options.onProgress?.(progress());
  }
  return progress();
}

/** Batches parsed on this thread, packed as the worker packs them (one code path for identifiers). */
async function* parseHere(path: string, identifierKey: Buffer, now: number, batchSize: number, firstBatchSize: number): AsyncGenerator<ParsedBatch> {
  yield* parseBatches(path, createCrossingLineParser(now), createEventPacker(createIdentifierHasher(identifierKey)), batchSize, firstBatchSize);
}

/**
 * Batches parsed on a worker thread. The worker runs `aheadBatches` ahead at most: it parses the
 * next batch while this thread writes the current one, without filling memory on a slow disk.
 */
async function* parseOnWorker(data: ImportWorkerData): AsyncGenerator<ParsedBatch> {
  const worker = startTypeScriptWorker(new URL('./import.worker.ts', import.meta.url), data);
  const queue: WorkerToWriter[] = [];
  let wake: (() => void) | null = null;
  const push = (message: WorkerToWriter): void => {
    queue.push(message);
    wake?.();
    wake = null;
  };
  worker.on('message', push);
  worker.on('error', (error) => push({ type: 'failed', message: error.message }));
  worker.on('exit', (code) => {
    if (code !== 0) push({ type: 'failed', message: `import worker exited with code ${code}` });
  });
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift()!;
      if (message.type === 'done') return;
      if (message.type === 'failed') throw new Error(`import of ${data.path} failed while reading: ${message.message}`);
      yield { records: message.records, rejected: message.rejected, lastLine: message.lastLine };
      worker.postMessage({ type: 'written' } satisfies WriterToWorker);
    }
  } finally {
    await worker.terminate();
  }
}
