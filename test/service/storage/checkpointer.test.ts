import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startCheckpointer } from '../../../service/storage/checkpointer.ts';
import { openDatabase, type SqliteDatabase } from '../../../store/sqlite/database.ts';

let dir: string;
let db: SqliteDatabase;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checkpointer-'));
  db = openDatabase(join(dir, 'referral.db'), { synchronous: 'NORMAL' });
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (x BLOB)');
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

test('the worker copies the WAL into the database while the writer goes on', async () => {
  const seen: [number, number][] = [];
  let reached: () => void;
  const copiedAll = new Promise<void>((resolve) => (reached = resolve));
  const checkpointer = startCheckpointer({
    path: join(dir, 'referral.db'),
    intervalMs: 20,
    onError: (error) => {
      throw error;
    },
    onCheckpoint: (frames, copied) => {
      seen.push([frames, copied]);
      if (frames >= 50 && copied === frames) reached();
    },
  });
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  for (let i = 0; i < 100; i++) insert.run(Buffer.alloc(4000, i));
  await copiedAll;
  await checkpointer.close();
  // Every frame the writer appended was copied by the worker: the writer never checkpointed itself.
  const last = seen.find(([frames, copied]) => frames >= 50 && copied === frames)!;
  expect(last[0]).toBeGreaterThanOrEqual(100);
  expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(100);
});

test('a checkpointer whose database cannot be opened reports it', async () => {
  const errors: Error[] = [];
  const failed = new Promise<void>((resolve) => {
    const checkpointer = startCheckpointer({
      path: join(dir, 'missing.db'),
      onError: (error) => {
        errors.push(error);
        resolve();
        void checkpointer.close();
      },
    });
  });
  await failed;
  expect(errors[0]!.message).toMatch(/unable to open|exited|not exist|SQLITE_CANTOPEN/i);
});
