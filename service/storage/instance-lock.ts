import Database from 'better-sqlite3';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isSqliteBusy } from '../../store/sqlite/database.ts';

/**
 * One service per database. A second service on the same REFERRAL_DB (a mistaken double start)
 * would write too: history and decisions stay right (the history writer notices the other
 * connection's commits), but each process keeps monitoring aggregates pending in memory, so the
 * reports miss the other's recent decisions and a restart can count a decision twice (found by an
 * operator walkthrough). So the service holds an exclusive SQLite lock on a small file beside the
 * database for as long as it runs; a second one is refused at start, naming the file.
 *
 * Beside, not on, the database: `npm run import` must still write to a database a service holds.
 * SQLite's lock is the operating system's (POSIX advisory locks), so it goes with the process: a
 * service killed with SIGKILL leaves no stale lock behind, only the file, which the next start
 * reuses.
 */
export interface InstanceLock {
  release(): void;
}

export class InstanceLockError extends Error {
  constructor(readonly path: string) {
    super(`another service is running on this database (it holds ${path}): stop it first, or give this service its own REFERRAL_DB`);
    this.name = 'InstanceLockError';
  }
}

export function acquireInstanceLock(databasePath: string): InstanceLock {
  // The database's folder may not exist yet (a fresh checkout's data/): openDatabase creates it,
  // and this runs first. A symlinked database file is locked by the path of the file it names.
  mkdirSync(dirname(resolve(databasePath)), { recursive: true });
  const path = `${existsSync(databasePath) ? realpathSync(databasePath) : resolve(databasePath)}.service-lock`;
  const db = new Database(path, { timeout: 0 });
  try {
    // An in-memory journal and an exclusive locking mode: the lock taken by BEGIN EXCLUSIVE is kept
    // after its COMMIT until the connection closes, with no journal, WAL or shared-memory file beside it.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if (isSqliteBusy(error)) throw new InstanceLockError(path);
    throw error;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
