import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createDurability, createWalFsync, type FsyncIo } from '../../../service/decisions/durability.ts';
import { openDatabase } from '../../../store/sqlite/database.ts';

/** An fsync that completes only when the test says so, counting calls. */
function manualIo(): FsyncIo & { calls: number; complete(error?: Error): void } {
  const pending: ((error: NodeJS.ErrnoException | null) => void)[] = [];
  return {
    calls: 0,
    open: () => 7,
    close: () => undefined,
    fsync(_fd, callback) {
      this.calls++;
      pending.push(callback);
    },
    complete(error) {
      pending.shift()!(error ?? null);
    },
  };
}

const settled = async (promise: Promise<unknown>): Promise<string> => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('WAL fsync barrier', () => {
  test('a commit is acknowledged only by an fsync that started after it; one fsync covers every commit before it', async () => {
    const io = manualIo();
    const barrier = createWalFsync('/x-wal', () => undefined, io);
    const first = barrier.afterCommit();
    expect(io.calls).toBe(1);
    // Committed while the first fsync runs: it may not ride on that fsync.
    const second = barrier.afterCommit();
    const third = barrier.afterCommit();
    expect(io.calls).toBe(1);
    io.complete();
    expect(await settled(first)).toBe('resolved');
    expect(await settled(second)).toBe('pending');
    expect(io.calls).toBe(2); // one more fsync for both waiting commits
    io.complete();
    expect([await settled(second), await settled(third)]).toEqual(['resolved', 'resolved']);
    expect(io.calls).toBe(2);
    await barrier.close();
  });

  test('a failed fsync rejects everything waiting and every later commit, and is reported', async () => {
    const io = manualIo();
    const failures: Error[] = [];
    const barrier = createWalFsync('/x-wal', (error) => failures.push(error), io);
    const waiting = barrier.afterCommit();
    io.complete(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(waiting).rejects.toThrow('EIO');
    await expect(barrier.afterCommit()).rejects.toThrow('EIO');
    expect(failures).toHaveLength(1);
  });
});

describe('createDurability', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'durability-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('FULL needs no barrier; NORMAL fsyncs the real WAL file; OFF is refused', async () => {
    const full = openDatabase(join(dir, 'a.db'), { synchronous: 'FULL' });
    await expect(createDurability(full, () => undefined).afterCommit()).resolves.toBeUndefined();
    full.close();

    const normal = openDatabase(join(dir, 'b.db'), { synchronous: 'NORMAL' });
    const barrier = createDurability(normal, () => undefined);
    normal.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    await expect(barrier.afterCommit()).resolves.toBeUndefined();
    await barrier.close();
    normal.close();

    const off = openDatabase(join(dir, 'c.db'), { synchronous: 'OFF' });
    expect(() => createDurability(off, () => undefined)).toThrow(/synchronous=OFF never fsyncs/);
    off.close();
  });
});
