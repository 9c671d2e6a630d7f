import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. A checkpoint copies the pages appended to the `-wal` file
 * back into the database file, then fsyncs both (https://www.sqlite.org/wal.html#checkpointing).
 * SQLite runs one automatically inside the COMMIT that crosses 1000 WAL pages, which here means
 * the event loop stops for a thousand page writes and two fsyncs every few hundred decisions;
 * measured on this machine that tripled the write path's cost per request.
 *
 * So the write connection turns automatic checkpoints off (`wal_autocheckpoint=0`) and a worker
 * thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`. PASSIVE
 * never blocks the writer or readers; it copies what no reader still needs, and the writer
 * restarts the WAL from its beginning at its next commit once everything is copied. If the worker
 * fails, `onError` is told and the write connection must turn automatic checkpoints back on, so
 * the WAL cannot grow without bound.
 *
 * The worker is plain JavaScript evaluated from this string: it needs no TypeScript loader, so it
 * starts the same under `npm start`, vitest and the benchmarks.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
} catch (error) {
  parentPort.postMessage({ kind: 'error', message: 'cannot open ' + workerData.path + ': ' + String(error && error.message || error) });
  process.exit(1);
}
let busy = false;
const timer = setInterval(() => {
  if (busy) return;
  busy = true;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ kind: 'checkpoint', frames: result.log, copied: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message || error) });
  } finally {
    busy = false;
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.postMessage({ kind: 'closed' });
});
`;

export interface Checkpointer {
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly path: string;
  readonly intervalMs?: number;
  readonly onError: (error: Error) => void;
  /** WAL frames seen and copied at each checkpoint, for metrics. */
  readonly onCheckpoint?: (frames: number, copied: number) => void;
}

type WorkerMessage = { kind: 'checkpoint'; frames: number; copied: number } | { kind: 'error'; message: string } | { kind: 'closed' };

export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: options.path, driver, intervalMs: options.intervalMs ?? 100 } });
  let closed = false;
  let failed = false;
  const fail = (error: Error): void => {
    if (failed || closed) return;
    failed = true;
    options.onError(error);
  };
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'checkpoint') options.onCheckpoint?.(message.frames, message.copied);
    else if (message.kind === 'error') fail(new Error(`WAL checkpoint failed: ${message.message}`));
  });
  worker.on('error', (error) => fail(error instanceof Error && error.message !== undefined ? error : new Error(String(error))));
  worker.on('exit', (code) => {
    if (!closed) fail(new Error(`WAL checkpointer exited with code ${code}`));
  });
  // Do not keep the process alive for checkpoints alone.
  worker.unref();

  return {
    close: async () => {
      if (closed) return;
      closed = true;
      // Waiting for the worker's answer must keep the process alive.
      worker.ref();
      if (failed) {
        await worker.terminate();
        return;
      }
      const done = new Promise<void>((resolve) => {
        worker.on('message', (message: WorkerMessage) => {
          if (message.kind === 'closed') resolve();
        });
        worker.once('exit', () => resolve());
      });
      worker.postMessage('close');
      await done;
      await worker.terminate();
    },
  };
}
