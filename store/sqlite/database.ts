import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { applyMigrations, assertMigrated, readMigrations } from './migrations.ts';

export type SqliteDatabase = Database.Database;

/**
 * `FULL`: every commit is fsynced before it returns, so a decision acknowledged to a console survives
 * a power cut. In WAL mode `NORMAL` stays consistent but may lose the last commits on power loss
 * (https://www.sqlite.org/pragma.html#pragma_synchronous): acceptable for an import that can be
 * re-run, not for a reply an officer acted on.
 */
export type Synchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

export interface OpenDatabaseOptions {
  /** Default FULL (see Synchronous). */
  readonly synchronous?: Synchronous;
  /** How long a writer waits for another process's write lock before SQLITE_BUSY. Default 5 s. */
  readonly busyTimeoutMs?: number;
  /** Page cache per connection. Default 256 MiB: lookups at 10M crossings touch a working set of that order. */
  readonly cacheSizeMiB?: number;
  /** Memory-mapped reads avoid a copy per page. Default 4 GiB (address space, not memory). */
  readonly mmapSizeBytes?: number;
  /**
   * WAL pages after which a commit checkpoints (SQLite's default: 1000, about 4 MB). A bulk import
   * raises it: each checkpoint fsyncs, and one checkpoint per large batch measured 3x slower.
   */
  readonly walAutocheckpointPages?: number;
  /** Folder of `NNN-name.sql` files. Default store/sqlite/migrations/. */
  readonly migrationsDir?: string;
  /** Open an existing file read-only: no pragmas that write, no migrations (they must already be applied). */
  readonly readonly?: boolean;
}

/**
 * Whether a better-sqlite3 error is SQLITE_BUSY (or one of its extended codes): another connection
 * holds the lock that was asked for, longer than the busy timeout allowed.
 */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Opens (creating if needed) the SQLite file at `path`, sets the pragmas, and applies every
 * migration in `migrationsDir` not yet recorded in `schema_migrations`. Other owners add their own
 * numbered files there (002-decisions.sql, ...); they are picked up here in number order.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const readonly = options.readonly ?? false;
  if (!readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly, fileMustExist: readonly });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    if (!readonly) {
      // WAL: readers never block the writer, and a commit is one sequential append.
      db.pragma('journal_mode = WAL');
      // Keep the WAL file from staying at its peak size after a large import.
      db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      db.pragma(`wal_autocheckpoint = ${Math.trunc(options.walAutocheckpointPages ?? 1000)}`);
    }
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma(`cache_size = ${-1024 * Math.trunc(options.cacheSizeMiB ?? 256)}`);
    db.pragma(`mmap_size = ${Math.trunc(options.mmapSizeBytes ?? 4 * 1024 ** 3)}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    const migrations = readMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
    if (readonly) assertMigrated(db, migrations);
    else applyMigrations(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Where the service, import and dataset tools find the database unless told otherwise (relative to the working directory). */
export const DEFAULT_DATABASE_PATH = 'data/referral.db';

/** `REFERRAL_DB` when set, else DEFAULT_DATABASE_PATH. */
export function databasePathFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const path = env.REFERRAL_DB?.trim();
  return path === undefined || path === '' ? DEFAULT_DATABASE_PATH : path;
}
