import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations: files `NNN-name.sql` applied in number order, each once, each in its
 * own transaction together with its row in `schema_migrations`. A file whose statements changed
 * after it was applied is refused (a checksum of its statements is recorded; comments and
 * whitespace do not count), as is a database that has a version this code lacks.
 */
export interface Migration {
  readonly version: number;
  /** File name, e.g. `001-history.sql`. */
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file's statements: `--` comments dropped, whitespace collapsed. */
  readonly checksum: string;
}

export const MIGRATION_FILE_PATTERN = /^(\d{3})-[a-z0-9][a-z0-9-]*\.sql$/;

export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.sql')) continue;
    const match = MIGRATION_FILE_PATTERN.exec(name);
    if (!match) throw new Error(`migration file ${join(dir, name)}: name must be NNN-name.sql (three digits, lowercase words and hyphens)`);
    const sql = readFileSync(join(dir, name), 'utf8');
    const version = Number(match[1]);
    const clash = migrations.find((m) => m.version === version);
    if (clash) throw new Error(`migrations ${clash.name} and ${name} share version ${match[1]}: renumber one`);
    migrations.push({ version, name, sql, checksum: statementChecksum(sql) });
  }
  return migrations;
}

/** Editing a comment or the layout of an applied migration must not lock developers out of their databases. */
export function statementChecksum(sql: string): string {
  const statements = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ?([(),;=]) ?/g, '$1')
    .trim();
  return createHash('sha256').update(statements).digest('hex');
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** Applies the pending migrations; returns the names applied now (empty when up to date). */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[]): string[] {
  db.exec(CREATE_TABLE);
  const applied: string[] = [];
  const appliedRows = db.prepare<[], AppliedRow>('SELECT version, name, checksum FROM schema_migrations');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock first, so two processes opening a new file at once do not
    // both apply the same migration: the second waits, then sees it recorded.
    const applyOne = db.transaction(() => {
      const done = new Map(appliedRows.all().map((row) => [row.version, row]));
      verify(done, migrations);
      if (done.has(migration.version)) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, migration.checksum, new Date().toISOString());
      applied.push(migration.name);
    });
    applyOne.immediate();
  }
  if (migrations.length === 0) verify(new Map(appliedRows.all().map((row) => [row.version, row])), migrations);
  return applied;
}

/** Throws unless every migration is applied (for read-only connections, which cannot apply them). */
export function assertMigrated(db: Database.Database, migrations: readonly Migration[]): void {
  const rows = db.prepare<[], AppliedRow>('SELECT version, name, checksum FROM schema_migrations').all();
  const done = new Map(rows.map((row) => [row.version, row]));
  verify(done, migrations);
  const pending = migrations.filter((m) => !done.has(m.version)).map((m) => m.name);
  if (pending.length > 0) throw new Error(`database is missing migrations ${pending.join(', ')}: open it read-write once to apply them`);
}

function verify(done: ReadonlyMap<number, AppliedRow>, migrations: readonly Migration[]): void {
  for (const row of done.values()) {
    const known = migrations.find((m) => m.version === row.version);
    if (!known) {
      throw new Error(`database has migration ${row.name} (version ${row.version}) that this code does not have: is the database newer than the code?`);
    }
    if (known.checksum !== row.checksum) {
      throw new Error(`migration ${known.name} changed after it was applied (checksum ${row.checksum.slice(0, 12)} recorded, ${known.checksum.slice(0, 12)} now): add a new migration instead`);
    }
  }
}
