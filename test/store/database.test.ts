import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, databasePathFromEnv, openDatabase } from '../../store/sqlite/database.ts';

const root = mkdtempSync(join(tmpdir(), 'database-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(root, `${n++}`, name);

/** A migrations folder holding the real history migration plus the given extra files. */
function migrationsWith(files: Record<string, string>): string {
  const dir = join(root, `migrations-${n++}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(DEFAULT_MIGRATIONS_DIR, '001-history.sql'), join(dir, '001-history.sql'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const applied = (db: ReturnType<typeof openDatabase>) =>
  db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all();

describe('openDatabase', () => {
  it('creates the file and its folder, in WAL mode with the requested pragmas', () => {
    const path = fresh('sub/dir/referral.db');
    const db = openDatabase(path, { busyTimeoutMs: 1234 });
    try {
      expect(existsSync(path)).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL by default
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    } finally {
      db.close();
    }
    const normal = openDatabase(path, { synchronous: 'NORMAL' });
    expect(normal.pragma('synchronous', { simple: true })).toBe(1);
    normal.close();
  });

  it('reads the path from REFERRAL_DB, defaulting to data/referral.db', () => {
    expect(databasePathFromEnv({})).toBe('data/referral.db');
    expect(databasePathFromEnv({ REFERRAL_DB: ' /srv/x.db ' })).toBe('/srv/x.db');
  });
});

describe('migrations', () => {
  it('applies every numbered file once, in order, and records each version', () => {
    const path = fresh('m.db');
    const dir = migrationsWith({ '010-later.sql': 'CREATE TABLE later (x INTEGER);', '002-decisions.sql': 'CREATE TABLE decision (id TEXT PRIMARY KEY);' });
    const first = openDatabase(path, { migrationsDir: dir });
    expect(applied(first)).toEqual([
      { version: 1, name: '001-history.sql' },
      { version: 2, name: '002-decisions.sql' },
      { version: 10, name: '010-later.sql' },
    ]);
    first.prepare('INSERT INTO decision (id) VALUES (?)').run('d1');
    first.close();

    // Opening again changes nothing; a new file is picked up on the next open.
    writeFileSync(join(dir, '011-more.sql'), 'ALTER TABLE decision ADD COLUMN note TEXT;');
    const second = openDatabase(path, { migrationsDir: dir });
    expect(applied(second).map((m) => m.version)).toEqual([1, 2, 10, 11]);
    expect(second.prepare('SELECT id, note FROM decision').all()).toEqual([{ id: 'd1', note: null }]);
    second.close();
    const third = openDatabase(path, { migrationsDir: dir });
    expect(applied(third)).toHaveLength(4);
    third.close();
  });

  it('rolls back a failing migration entirely and records nothing for it', () => {
    const path = fresh('fail.db');
    const dir = migrationsWith({ '002-broken.sql': 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);' });
    expect(() => openDatabase(path, { migrationsDir: dir })).toThrow(/no such table: nowhere/);
    const db = openDatabase(path, { migrationsDir: migrationsWith({}) });
    expect(applied(db).map((m) => m.version)).toEqual([1]);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a migration edited after it was applied, and a database newer than the code', () => {
    const path = fresh('edit.db');
    const dir = migrationsWith({ '002-a.sql': 'CREATE TABLE a (x INTEGER);' });
    openDatabase(path, { migrationsDir: dir }).close();
    writeFileSync(join(dir, '002-a.sql'), 'CREATE TABLE a (x INTEGER, y INTEGER);');
    expect(() => openDatabase(path, { migrationsDir: dir })).toThrow(/migration 002-a.sql changed after it was applied .*add a new migration instead/);
    expect(() => openDatabase(path, { migrationsDir: migrationsWith({}) })).toThrow(
      /database has migration 002-a.sql \(version 2\) that this code does not have/,
    );
  });

  it('lets comments and layout of an applied migration change', () => {
    const path = fresh('comments.db');
    const dir = migrationsWith({ '002-a.sql': '-- first words\nCREATE TABLE a (x INTEGER);' });
    openDatabase(path, { migrationsDir: dir }).close();
    writeFileSync(join(dir, '002-a.sql'), '-- better words, and why\nCREATE TABLE a (\n  x INTEGER -- the x\n);\n');
    const db = openDatabase(path, { migrationsDir: dir });
    expect(applied(db).map((m) => m.version)).toEqual([1, 2]);
    db.close();
  });

  it('refuses badly named and duplicate-numbered files', () => {
    expect(() => openDatabase(fresh('x.db'), { migrationsDir: migrationsWith({ '2-short.sql': '' }) })).toThrow(/name must be NNN-name.sql/);
    expect(() => openDatabase(fresh('y.db'), { migrationsDir: migrationsWith({ '001-again.sql': '' }) })).toThrow(
      /migrations 001-again.sql and 001-history.sql share version 001/,
    );
  });

  it('opens read-only only when every migration is applied', () => {
    const path = fresh('ro.db');
    openDatabase(path, { migrationsDir: migrationsWith({}) }).close();
    const readonly = openDatabase(path, { readonly: true, migrationsDir: migrationsWith({}) });
    expect(() => readonly.prepare('INSERT INTO entity (key, id) VALUES (?, ?)').run('k', 1)).toThrow(/readonly/);
    readonly.close();
    expect(() => openDatabase(path, { readonly: true, migrationsDir: migrationsWith({ '002-new.sql': 'CREATE TABLE n (x);' }) })).toThrow(
      /database is missing migrations 002-new.sql/,
    );
  });
});
