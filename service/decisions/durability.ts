import { closeSync, fsync, openSync } from 'node:fs';
import type { SqliteDatabase } from '../../store/sqlite/database.ts';

/**
 * When a committed batch is on stable storage, so its replies may go out.
 *
 * SQLite in WAL mode appends each transaction to the `-wal` file; the transaction survives a
 * power cut once that file is fsynced (https://www.sqlite.org/wal.html). Two ways to get there:
 *
 * - `inline`: `synchronous=FULL`. COMMIT itself fsyncs the WAL before it returns
 *   (https://www.sqlite.org/pragma.html#pragma_synchronous). Simple, but the event loop waits for
 *   the disk on every batch: no request is parsed, looked up or scored meanwhile.
 *
 * - `wal-fsync` (the service's default): `synchronous=NORMAL`, so COMMIT only write()s the frames
 *   (SQLite still syncs at checkpoints, keeping the file consistent), and this barrier fsyncs the
 *   WAL file itself on libuv's thread pool. fsync(2) flushes the file (the inode), whichever
 *   descriptor wrote it. A batch's replies wait for an fsync that *started after its COMMIT*
 *   returned; one fsync covers every batch committed before it started, and while it runs the event
 *   loop keeps scoring and committing the next batch. The guarantee is FULL's: an acknowledged
 *   transaction's frames were on stable storage before the acknowledgement; the WAL is
 *   append-only and recovered as a prefix, so nothing acknowledged can be lost while something
 *   later survives.
 *
 * `synchronous=OFF` is refused: it never fsyncs, and a 200 could not mean "on disk".
 */
export type DurabilityMode = 'inline' | 'wal-fsync';

export interface Durability {
  /** Call right after a COMMIT returned: resolves once that transaction is on stable storage. */
  afterCommit(): Promise<void>;
  /** Resolves once every transaction committed so far is durable; closes the file descriptor. */
  close(): Promise<void>;
}

export function createDurability(db: SqliteDatabase, onFailure: (error: Error) => void): Durability {
  const level = db.pragma('synchronous', { simple: true }) as number;
  const journal = db.pragma('journal_mode', { simple: true }) as string;
  // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
  if (level >= 2) return { afterCommit: () => Promise.resolve(), close: () => Promise.resolve() };
  if (level === 0) throw new Error('synchronous=OFF never fsyncs: a decision could be acknowledged and lost; use NORMAL or FULL');
  if (journal !== 'wal') throw new Error(`synchronous=NORMAL is only durable with journal_mode=WAL plus a WAL fsync; journal_mode is ${journal}`);
  return createWalFsync(`${db.name}-wal`, onFailure);
}

/** The file calls the barrier makes; tests pass their own to watch and delay them. */
export interface FsyncIo {
  open(path: string): number;
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  close(fd: number): void;
}

const NODE_IO: FsyncIo = { open: (path) => openSync(path, 'r+'), fsync, close: closeSync };

/** Group fsync of the WAL file on the thread pool; see the module comment. */
export function createWalFsync(walPath: string, onFailure: (error: Error) => void, io: FsyncIo = NODE_IO): Durability {
  let fd: number | undefined;
  let committed = 0;
  let durable = 0;
  let syncing: Promise<void> | null = null;
  let failure: Error | null = null;
  const waiting: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  function sync(): void {
    const target = committed;
    if (fd === undefined) {
      try {
        // The WAL exists once a transaction has committed; opened once, kept open.
        fd = io.open(walPath);
      } catch (error) {
        fail(error as Error);
        return;
      }
    }
    const descriptor = fd;
    syncing = new Promise<void>((done) => {
      io.fsync(descriptor, (error) => {
        syncing = null;
        if (error !== null) fail(error);
        else {
          durable = target;
          while (waiting.length > 0 && waiting[0]!.seq <= durable) waiting.shift()!.resolve();
          if (committed > durable) sync();
        }
        done();
      });
    });
  }

  function fail(error: Error): void {
    failure = error;
    onFailure(error);
    for (const w of waiting.splice(0)) w.reject(error);
  }

  return {
    afterCommit() {
      if (failure !== null) return Promise.reject(failure);
      const seq = ++committed;
      return new Promise<void>((resolve, reject) => {
        waiting.push({ seq, resolve, reject });
        if (syncing === null) sync();
      });
    },
    async close() {
      while (syncing !== null) await syncing;
      if (fd !== undefined) io.close(fd);
      fd = undefined;
    },
  };
}
