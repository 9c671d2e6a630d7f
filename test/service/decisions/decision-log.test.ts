import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createDecisionLog, DecisionLogBusyError, UnknownDecisionError, type DecisionLog, type DecisionLogBatch } from '../../../service/decisions/decision-log.ts';
import { createDecisionRepository, type DecisionRepository } from '../../../service/decisions/decision-repository.ts';
import { uuidV7 } from '../../../service/decisions/decision-id.ts';
import type { NewOutcome } from '../../../service/decisions/decision-log.ts';
import type { HistoryStore } from '../../../store/history-store.ts';
import { createSqliteHistoryStore } from '../../../store/history-store.sqlite.ts';
import { openDatabase, type SqliteDatabase } from '../../../store/sqlite/database.ts';
import { crossingRecord, decisionRecord } from './decision-fixtures.ts';

const T0 = Date.parse('2025-03-01T12:00:00Z');

let dir: string;
let write: SqliteDatabase;
let read: SqliteDatabase;
let writeStore: HistoryStore;
let readStore: HistoryStore;
let log: DecisionLog;
let repository: DecisionRepository;
let batches: number[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'decision-log-'));
  write = openDatabase(join(dir, 'referral.db'));
  read = openDatabase(join(dir, 'referral.db'), { readonly: true });
  writeStore = createSqliteHistoryStore(write);
  readStore = createSqliteHistoryStore(read);
  batches = [];
  log = createDecisionLog({ db: write, store: writeStore, clock: () => T0, onBatch: (size) => batches.push(size) });
  repository = createDecisionRepository(read);
});

afterEach(async () => {
  await log.close();
  await readStore.close();
  await writeStore.close();
  await rm(dir, { recursive: true, force: true });
});

function outcome(decisionId: string, report: Partial<NewOutcome> = {}): NewOutcome {
  return {
    id: uuidV7(T0),
    decisionId,
    recordedAt: T0,
    observedAt: T0,
    referred: true,
    reason: 'model',
    result: null,
    items: [],
    officerId: 'officer-7',
    tokenId: 'tok_abcdefghijkl',
    ...report,
  };
}

describe('group commit', () => {
  test('writes queued in one event-loop turn share one transaction; each resolves after it', async () => {
    const crossings = [0, 1, 2, 3, 4].map((i) => crossingRecord(T0 + i, `vehicle-${i}`));
    const decisions = crossings.map((c) => decisionRecord(c));
    const applied = await Promise.all(decisions.map((d, i) => log.appendDecision(d, crossings[i]!)));
    expect(batches).toEqual([5]);
    expect(applied.map((a) => a.decision.id)).toEqual(decisions.map((d) => d.id));
    // Visible on the read connection, with the crossing recorded in the history store.
    for (const d of decisions) expect(repository.findDecision(d.id)?.score).toBe(0.25);
    expect(await readStore.countCrossings()).toBe(5);
  });

  test('writes in separate turns commit separately', async () => {
    await log.appendDecision(decisionRecord(crossingRecord(T0)), crossingRecord(T0));
    await log.appendDecision(decisionRecord(crossingRecord(T0 + 1)), crossingRecord(T0 + 1));
    expect(batches).toEqual([1, 1]);
  });

  test('a decision reads back exactly as written, feature vector and audit attributes included', async () => {
    const crossing = crossingRecord(T0);
    const decision = decisionRecord(crossing);
    await log.appendDecision(decision, crossing);
    const stored = repository.findDecision(decision.id)!;
    expect({ ...stored, features: Array.from(stored.features) }).toEqual({ ...decision, seq: 1, features: Array.from(decision.features) });
    const row = read.prepare('SELECT driver_sex, driver_birth_year, driver_citizenship FROM decisions').get();
    expect(row).toEqual({ driver_sex: 'female', driver_birth_year: 1980, driver_citizenship: 'USA' });
  });

  test('a write that fails fails alone: the rest of its batch still lands', async () => {
    const first = decisionRecord(crossingRecord(T0, 'vehicle-a'));
    await log.appendDecision(first, crossingRecord(T0, 'vehicle-a'));
    const results = await Promise.allSettled([
      log.appendDecision(decisionRecord(crossingRecord(T0 + 1, 'vehicle-b')), crossingRecord(T0 + 1, 'vehicle-b')),
      // Same id as `first`: the UNIQUE constraint refuses it.
      log.appendDecision({ ...decisionRecord(crossingRecord(T0 + 2, 'vehicle-c')), id: first.id }, crossingRecord(T0 + 2, 'vehicle-c')),
      log.appendDecision(decisionRecord(crossingRecord(T0 + 3, 'vehicle-d')), crossingRecord(T0 + 3, 'vehicle-d')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed: decisions.id/);
    expect(repository.countDecisions()).toBe(3);
    // The refused decision's crossing was not recorded either.
    expect(await readStore.countCrossings()).toBe(3);
    expect((await readStore.historyBefore({ at: T0 + 10, vehicleKey: 'vehicle-c', travelerKeys: [] })).vehicle.crossings24h).toBe(0);
  });

  test('a batch that fails after its crossings were written leaves the history store as committed (entity ids, running values)', async () => {
    const earlier = crossingRecord(T0, 'vehicle-old', 'driver-old');
    const decided = decisionRecord(earlier);
    await log.appendDecision(decided, earlier);
    // A real SQLite failure while the batch's history facts are written, as SQLITE_FULL would be.
    write.exec("CREATE TRIGGER refuse_facts BEFORE INSERT ON history_fact BEGIN SELECT RAISE(ABORT, 'facts refused (test)'); END");
    const first = crossingRecord(T0 + 1_000, 'vehicle-new', 'driver-new');
    const results = await Promise.allSettled([log.appendDecision(decisionRecord(first), first), log.appendOutcome(outcome(decided.id))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/facts refused/);
    write.exec('DROP TRIGGER refuse_facts');

    // Later writes: another crossing of the new vehicle, and a vehicle and driver never seen.
    const second = crossingRecord(T0 + 2_000, 'vehicle-new', 'driver-new');
    await log.appendDecision(decisionRecord(second), second);
    const other = crossingRecord(T0 + 3_000, 'vehicle-other', 'driver-other');
    await log.appendDecision(decisionRecord(other), other);

    // A store opened afresh on the file (as after a restart) finds each entity's own crossings.
    const reopened = createSqliteHistoryStore(openDatabase(join(dir, 'referral.db'), { readonly: true }));
    try {
      const at = T0 + 60_000;
      const newVehicle = await reopened.historyBefore({ at, vehicleKey: 'vehicle-new', travelerKeys: ['driver-new'] });
      expect([newVehicle.vehicle.crossings24h, newVehicle.vehicle.firstSeenAt, newVehicle.vehicle.lastCrossingAt]).toEqual([2, T0 + 1_000, T0 + 2_000]);
      expect(newVehicle.travelers[0]!.crossings7d).toBe(2);
      const otherVehicle = await reopened.historyBefore({ at, vehicleKey: 'vehicle-other', travelerKeys: ['driver-other'] });
      expect([otherVehicle.vehicle.crossings24h, otherVehicle.vehicle.firstSeenAt, otherVehicle.travelers[0]!.crossings7d]).toEqual([1, T0 + 3_000, 1]);
      expect(await reopened.countCrossings()).toBe(4);
    } finally {
      await reopened.close();
    }
  });

  test('another process holding the write lock (an import batch): the batch is refused once, as busy, and the log stays usable', async () => {
    // As `npm run import` holds the lock for a whole batch, longer than the busy timeout.
    write.pragma('busy_timeout = 300');
    const importer = openDatabase(join(dir, 'referral.db'));
    try {
      importer.exec('BEGIN IMMEDIATE');
      const crossings = [0, 1, 2, 3].map((i) => crossingRecord(T0 + i, `vehicle-busy-${i}`));
      const started = performance.now();
      const results = await Promise.allSettled(crossings.map((c) => log.appendDecision(decisionRecord(c), c)));
      const elapsed = performance.now() - started;
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(DecisionLogBusyError);
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/another process holds the write lock.*nothing was recorded/);
      // One wait for the lock, not one more per write of the batch (the event loop waits with it).
      expect(elapsed).toBeLessThan(3 * 300); // one wait per write would be 5 × 300
      importer.exec('COMMIT');
    } finally {
      importer.close();
    }
    expect(log.healthy()).toBe(true);
    await log.appendDecision(decisionRecord(crossingRecord(T0 + 10, 'vehicle-after')), crossingRecord(T0 + 10, 'vehicle-after'));
    expect(repository.countDecisions()).toBe(1);
  });

  test('close() commits what is queued', async () => {
    const pending = log.appendDecision(decisionRecord(crossingRecord(T0)), crossingRecord(T0));
    await log.close();
    await pending;
    expect(repository.countDecisions()).toBe(1);
    await expect(log.appendDecision(decisionRecord(crossingRecord(T0 + 1)), crossingRecord(T0 + 1))).rejects.toThrow(/closed/);
  });
});

describe('batch writers and listeners', () => {
  test('a batch writer runs inside the transaction and sees the batch', async () => {
    write.exec('CREATE TABLE test_aggregate (port TEXT PRIMARY KEY, decisions INTEGER NOT NULL)');
    const upsert = write.prepare(
      'INSERT INTO test_aggregate (port, decisions) VALUES (?, 1) ON CONFLICT (port) DO UPDATE SET decisions = decisions + 1',
    );
    log.addBatchWriter({ name: 'per-port', write: (batch) => batch.decisions.forEach((d) => upsert.run(d.port)) });
    const seen: DecisionLogBatch[] = [];
    log.onCommitted((batch) => seen.push(batch));
    await Promise.all([0, 1, 2].map((i) => log.appendDecision(decisionRecord(crossingRecord(T0 + i, `v${i}`)), crossingRecord(T0 + i, `v${i}`))));
    expect(read.prepare('SELECT port, decisions FROM test_aggregate').all()).toEqual([{ port: '2504', decisions: 3 }]);
    expect(seen.map((b) => [b.decisions.length, b.crossings])).toEqual([[3, 3]]);
  });

  test('a batch writer that throws rolls everything back: no decision, no crossing, no aggregate', async () => {
    write.exec('CREATE TABLE test_aggregate (n INTEGER)');
    const insert = write.prepare('INSERT INTO test_aggregate (n) VALUES (1)');
    log.addBatchWriter({
      name: 'broken',
      write: () => {
        insert.run();
        throw new Error('aggregate broken');
      },
    });
    await expect(log.appendDecision(decisionRecord(crossingRecord(T0)), crossingRecord(T0))).rejects.toThrow('aggregate broken');
    expect(repository.countDecisions()).toBe(0);
    expect(await readStore.countCrossings()).toBe(0);
    expect(read.prepare('SELECT count(*) AS n FROM test_aggregate').get()).toEqual({ n: 0 });
  });
});

describe('outcomes', () => {
  test('a correction supersedes the current outcome and moves the history facts by the difference', async () => {
    const crossing = crossingRecord(T0, 'vehicle-x', 'driver-x');
    const decision = decisionRecord(crossing);
    await log.appendDecision(decision, crossing);
    const later = { at: T0 + 86_400_000, vehicleKey: 'vehicle-x', travelerKeys: ['driver-x'] };

    const first = await log.appendOutcome(outcome(decision.id, { result: 'seizure', items: [{ category: 'cocaine', quantity: 1, unit: 'kg' }] }));
    expect(first.superseded).toBeNull();
    let history = await readStore.historyBefore(later);
    expect([history.vehicle.referrals, history.vehicle.seizures, history.travelers[0]!.seizures]).toEqual([1, 1, 1]);

    // A minute later the officer corrects: the vehicle was in fact not referred.
    const correction = await log.appendOutcome(outcome(decision.id, { id: uuidV7(T0 + 5), referred: false, reason: null, recordedAt: T0 + 60_000 }));
    expect(correction.superseded?.id).toBe(first.outcome.id);
    expect(correction.outcome.supersedes).toBe(first.outcome.id);
    expect(correction.facts.map((f) => [f.entityKey, f.kind, f.delta])).toEqual([
      ['vehicle-x', 'referral', -1],
      ['driver-x', 'referral', -1],
      ['vehicle-x', 'seizure', -1],
      ['driver-x', 'seizure', -1],
    ]);
    history = await readStore.historyBefore(later);
    expect([history.vehicle.referrals, history.vehicle.seizures]).toEqual([0, 0]);
    // Point in time: between the first report and the correction, the facts still stood.
    const between = await readStore.historyBefore({ ...later, at: T0 + 30_000 });
    expect(between.vehicle.referrals).toBe(1);

    expect(repository.outcomesOf(decision.id).map((o) => o.id)).toEqual([first.outcome.id, correction.outcome.id]);
  });

  test('history facts are dated when recorded, never before the facts they withdraw (a chain of corrections, a clock stepped back)', async () => {
    const hour = 3_600_000;
    const crossing = crossingRecord(T0, 'vehicle-c', 'driver-c');
    const decision = decisionRecord(crossing);
    await log.appendDecision(decision, crossing);
    const referralsAt = async (at: number): Promise<[number, number]> => {
      const history = await readStore.historyBefore({ at, vehicleKey: 'vehicle-c', travelerKeys: ['driver-c'] });
      return [history.vehicle.referrals, history.travelers[0]!.referrals];
    };
    // Referred at T0 + 1 h, reported at T0 + 30 h: crossings before the report do not count it.
    await log.appendOutcome(outcome(decision.id, { id: uuidV7(T0 + 1), observedAt: T0 + hour, recordedAt: T0 + 30 * hour }));
    expect(await referralsAt(T0 + 20 * hour)).toEqual([0, 0]);
    expect(await referralsAt(T0 + 30 * hour + 1)).toEqual([1, 1]);
    // The same again, then a withdrawal, both recorded by a clock that has stepped back to T0 + 10 h.
    await log.appendOutcome(outcome(decision.id, { id: uuidV7(T0 + 2), observedAt: T0 + hour, recordedAt: T0 + 10 * hour }));
    const withdrawal = await log.appendOutcome(outcome(decision.id, { id: uuidV7(T0 + 3), referred: false, reason: null, observedAt: T0 + hour, recordedAt: T0 + 10 * hour }));
    expect(withdrawal.facts.map((f) => [f.kind, f.delta, f.recordedAt])).toEqual([
      ['referral', -1, T0 + 30 * hour],
      ['referral', -1, T0 + 30 * hour],
    ]);
    // Never negative in between; withdrawn from the report's date on.
    expect(await referralsAt(T0 + 20 * hour)).toEqual([0, 0]);
    expect(await referralsAt(T0 + 30 * hour)).toEqual([0, 0]);
    expect(await referralsAt(T0 + 30 * hour + 1)).toEqual([0, 0]);
  });

  test('an outcome for an unknown decision is refused and records nothing', async () => {
    const missing = uuidV7(T0);
    await expect(log.appendOutcome(outcome(missing))).rejects.toBeInstanceOf(UnknownDecisionError);
    expect(read.prepare('SELECT count(*) AS n FROM outcomes').get()).toEqual({ n: 0 });
  });

  test('an idempotent reply is stored in the same transaction as the write', async () => {
    const crossing = crossingRecord(T0);
    const decision = decisionRecord(crossing);
    const claim = { scope: 'tok_abcdefghijkl:score', key: 'k-1', requestHash: 'h' };
    await log.appendDecision(decision, crossing, (applied) => ({ claim, statusCode: 200, body: { decisionId: applied.decision.id } }));
    expect(repository.findReply(claim.scope, claim.key)).toEqual({ requestHash: 'h', statusCode: 200, body: { decisionId: decision.id } });
  });
});
