import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DAY_MS,
  DISTINCT_SCAN_LIMIT,
  EMPTY_TRAVELER_HISTORY,
  EMPTY_VEHICLE_HISTORY,
  HOUR_MS,
  WINDOW_24H_MS,
  WINDOW_30D_MS,
  WINDOW_365D_MS,
  WINDOW_7D_MS,
  aggregateHistory,
  type HistoryFact,
  type HistoryQuery,
} from '../../features/history.ts';
import { DIRECTIONS, LANES } from '../../features/crossing-event.schema.ts';
import { createRandom, type Random } from '../../lib/random.ts';
import { unpackRecords } from '../../store/import-packing.ts';
import { extendDictionary, type KeyDictionary } from '../../store/packed-crossings.ts';
import type { CrossingRecord, HistoryStore } from '../../store/history-store.ts';
import { toHistoryCrossing } from './reference-crossing.ts';
import { crossingRecord } from './crossing-fixture.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { openDatabase } from '../../store/sqlite/database.ts';

const dir = mkdtempSync(join(tmpdir(), 'history-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function openStore(): HistoryStore {
  // synchronous OFF: durability is not what these tests are about, and fsyncs would slow them.
  return createSqliteHistoryStore(openDatabase(join(dir, `h${files++}.db`), { synchronous: 'OFF' }));
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const PORTS = ['2504', '2506', '2503', '0101'];
const WINDOWS = [WINDOW_24H_MS, WINDOW_7D_MS, WINDOW_30D_MS, WINDOW_365D_MS];

/**
 * A random history over small key pools so that entities collide often: same-instant crossings,
 * inserts out of time order (backfill), travelers listed twice in one crossing, keys used both as
 * vehicle and traveler, and facts with -1 corrections recorded out of order.
 */
function randomHistory(random: Random) {
  const vehicles = Array.from({ length: 1 + random.int(5) }, (_, i) => `k${i}`);
  // Large pools of travelers and ports make the DISTINCT_SCAN_LIMIT cut (and its tie order) decide distinct counts.
  const travelers = Array.from({ length: 2 + random.int(random.chance(0.3) ? 80 : 8) }, (_, i) => `k${i + 3}`);
  const ports = random.chance(0.3) ? Array.from({ length: 80 }, (_, i) => String(2000 + i)) : PORTS;
  const span = random.pick([2 * DAY_MS, 60 * DAY_MS, 800 * DAY_MS]);
  const instants: number[] = [];
  const records: CrossingRecord[] = [];
  const n = 1 + random.int(random.chance(0.4) ? 400 : 120);
  for (let i = 0; i < n; i++) {
    let at: number;
    if (instants.length > 0 && random.chance(0.15)) at = random.pick(instants); // same instant as another crossing
    else if (instants.length > 0 && random.chance(0.1)) at = random.pick(instants) + random.pick(WINDOWS) + random.pick([0, 0, -1, 1]); // a window apart, or a millisecond off
    else at = T0 + Math.floor(random.next() * span / HOUR_MS) * HOUR_MS;
    instants.push(at);
    const occupants = 1 + random.int(4);
    const keys = Array.from({ length: occupants }, () => random.pick(travelers));
    records.push({
      at,
      utcOffsetMinutes: -480,
      port: random.pick(ports),
      lane: random.pick(['general', 'ready', 'sentri', 'nexus'] as const),
      direction: random.chance(0.4) ? 'outbound' : 'inbound',
      vehicleKey: random.pick(vehicles),
      vinKey: random.chance(0.5) ? `vin-${random.int(3)}` : null,
      travelers: keys.map((key, k) => ({ key, isDriver: k === 0 })),
    });
  }
  // Mostly time-ordered, like live traffic and imports, with a share of backfilled records.
  if (random.chance(0.7)) records.sort((a, b) => a.at - b.at);
  for (let i = 0; i < records.length; i++) {
    if (random.chance(0.1)) {
      const j = random.int(records.length);
      [records[i], records[j]] = [records[j]!, records[i]!];
    }
  }
  const facts: HistoryFact[] = Array.from({ length: random.int(40) }, () => ({
    entityKey: random.pick([...vehicles, ...travelers]),
    kind: random.chance(0.6) ? 'referral' : 'seizure',
    delta: random.chance(0.25) ? -1 : 1,
    recordedAt: random.chance(0.2) ? random.pick(instants) : T0 + Math.floor(random.next() * span),
  }));
  return { records, facts, instants, keys: [...new Set([...vehicles, ...travelers, 'never-seen'])] };
}


/** Writes records through recordPackedCrossings, as import does, checking that unpacking gives them back. */
function packer() {
  const dictionary: KeyDictionary = { keys: [] };
  const indexOf = new Map<string, number>();
  return {
    async write(store: HistoryStore, records: readonly CrossingRecord[]): Promise<void> {
      const newKeys: string[] = [];
      const index = (key: string) => {
        let i = indexOf.get(key);
        if (i === undefined) {
          indexOf.set(key, (i = indexOf.size));
          newKeys.push(key);
        }
        return i;
      };
      const numbers = records.flatMap((r) => [
        r.at,
        r.utcOffsetMinutes,
        Number(r.port),
        LANES.indexOf(r.lane),
        DIRECTIONS.indexOf(r.direction),
        index(r.vehicleKey),
        r.vinKey === null ? -1 : index(r.vinKey),
        r.travelers.length,
        ...r.travelers.flatMap((t) => [index(t.key), t.isDriver ? 1 : 0]),
      ]);
      const packed = { numbers: Float64Array.from(numbers), count: records.length, newKeys };
      extendDictionary(dictionary, packed);
      expect(unpackRecords(packed, dictionary)).toEqual(records);
      await store.recordPackedCrossings!(packed, dictionary);
    },
  };
}

function randomQueries(random: Random, instants: readonly number[], keys: readonly string[], count: number): HistoryQuery[] {
  return Array.from({ length: count }, () => {
    const base = random.pick(instants);
    const window = random.pick(WINDOWS);
    // Instants after every crossing (answered from the latest-state rows) as well as among them.
    const latest = Math.max(...instants);
    const at = random.pick([base, base + 1, base - 1, base + window, base + window + 1, base + random.int(40) * DAY_MS, base + 1000 * DAY_MS, latest + 1, latest + window, latest + 1 + random.int(3 * DAY_MS)]);
    const travelerKeys = Array.from({ length: 1 + random.int(4) }, () => random.pick(keys));
    return { at, vehicleKey: random.pick(keys), travelerKeys };
  });
}

describe('SQLite history store against aggregateHistory', () => {
  it('answers exactly what the reference definition answers, on many random histories', async () => {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const random = createRandom(seed);
      const { records, facts, instants, keys } = randomHistory(random);
      const store = openStore();
      try {
        // Random batch sizes; facts interleaved with crossings; every other history through the packed (import) path.
        const pendingFacts = [...facts];
        const packed = seed % 2 === 0 ? packer() : null;
        for (let i = 0; i < records.length; ) {
          const size = 1 + random.int(random.chance(0.5) ? 3 : 60);
          if (packed) await packed.write(store, records.slice(i, i + size));
          else await store.recordCrossings(records.slice(i, i + size));
          i += size;
          if (pendingFacts.length > 0 && random.chance(0.5)) await store.recordFacts(pendingFacts.splice(0, 1 + random.int(5)));
        }
        await store.recordFacts(pendingFacts);
        expect(await store.countCrossings()).toBe(records.length);

        const reference = records.map(toHistoryCrossing);
        for (const query of randomQueries(random, instants, keys, 60)) {
          const expected = aggregateHistory(reference, facts, query);
          expect(await store.historyBefore(query), `seed ${seed}, query ${JSON.stringify(query)}`).toEqual(expected);
          compared++;
        }
      } finally {
        await store.close();
      }
    }
    expect(compared).toBe(40 * 60);
  });

  it('caps distinct counts at the DISTINCT_SCAN_LIMIT latest crossings, ties in insertion order', async () => {
    const store = openStore();
    try {
      // 40 crossings of V at one instant. Inserted first: 8 with driver E at ports 1000/1001;
      // then 32 with drivers D8..D39, the first 24 at ports 1000/1001, the last 8 at ports 2032..2039.
      const at = T0 + DAY_MS;
      const records: CrossingRecord[] = Array.from({ length: 40 }, (_, i) => ({
        at,
        utcOffsetMinutes: 0,
        port: i < 32 ? String(1000 + (i % 2)) : String(2000 + i),
        lane: 'general',
        direction: 'inbound',
        vehicleKey: 'V',
        vinKey: null,
        travelers: [{ key: i < 8 ? 'E' : `D${i}`, isDriver: true }],
      }));
      await store.recordCrossings(records);
      const query = { at: at + HOUR_MS, vehicleKey: 'V', travelerKeys: ['E', 'D39'] };
      const history = await store.historyBefore(query);
      expect(history.vehicle.crossings24h).toBe(40);
      // The latest 32 inserted are D8..D39: 32 drivers, ports 1000, 1001 and 2032..2039.
      expect(history.vehicle.distinctDrivers30d).toBe(DISTINCT_SCAN_LIMIT);
      expect(history.vehicle.distinctPorts30d).toBe(10);
      expect(history.travelers[0]!.crossings7d).toBe(8);
      expect(history).toEqual(aggregateHistory(records.map(toHistoryCrossing), [], query));
    } finally {
      await store.close();
    }
  });
});

describe('two connections writing the same file', () => {
  it('stay exact when their writes interleave (each re-reads what the other wrote)', async () => {
    for (let seed = 100; seed < 106; seed++) {
      const random = createRandom(seed);
      const { records, facts, instants, keys } = randomHistory(random);
      const path = join(dir, `shared-${seed}.db`);
      const stores = [0, 1].map(() => createSqliteHistoryStore(openDatabase(path, { synchronous: 'OFF' })));
      try {
        for (let i = 0; i < records.length; ) {
          const size = 1 + random.int(8);
          await stores[random.int(2)]!.recordCrossings(records.slice(i, i + size));
          i += size;
        }
        await stores[random.int(2)]!.recordFacts(facts);
        const reference = records.map(toHistoryCrossing);
        for (const query of randomQueries(random, instants, keys, 30)) {
          const expected = aggregateHistory(reference, facts, query);
          for (const store of stores) expect(await store.historyBefore(query), `seed ${seed}`).toEqual(expected);
        }
      } finally {
        for (const store of stores) await store.close();
      }
    }
  });
});

describe('point in time', () => {
  it('never shows a crossing its own instant or anything later, nor facts recorded at or after it', async () => {
    const store = openStore();
    try {
      const t = T0 + 100 * DAY_MS;
      const record = (at: number, direction: 'inbound' | 'outbound'): CrossingRecord => ({
        at,
        utcOffsetMinutes: 0,
        port: '2504',
        lane: 'general',
        direction,
        vehicleKey: 'V',
        vinKey: 'VIN',
        travelers: [{ key: 'D', isDriver: true }],
      });
      await store.recordCrossings([record(t, 'outbound'), record(t + 1, 'outbound'), record(t + DAY_MS, 'inbound')]);
      await store.recordFacts([
        { entityKey: 'V', kind: 'referral', delta: 1, recordedAt: t },
        { entityKey: 'D', kind: 'seizure', delta: 1, recordedAt: t + 1 },
      ]);
      const atT = await store.historyBefore({ at: t, vehicleKey: 'V', travelerKeys: ['D'] });
      expect(atT).toEqual({ vehicle: EMPTY_VEHICLE_HISTORY, travelers: [EMPTY_TRAVELER_HISTORY] });

      // Backfill an earlier crossing and fact: now (and only now) they are visible at t.
      await store.recordCrossings([record(t - 1, 'inbound')]);
      await store.recordFacts([{ entityKey: 'V', kind: 'referral', delta: 1, recordedAt: t - 1 }]);
      const after = await store.historyBefore({ at: t, vehicleKey: 'V', travelerKeys: ['D'] });
      expect(after.vehicle).toMatchObject({ crossings24h: 1, firstSeenAt: t - 1, lastCrossingAt: t - 1, lastOutboundAt: null, referrals: 1, seizures: 0 });
      expect(after.travelers[0]).toMatchObject({ crossings7d: 1, firstSeenAt: t - 1, seizures: 0 });

      const later = await store.historyBefore({ at: t + 2, vehicleKey: 'V', travelerKeys: ['D'] });
      expect(later.vehicle).toMatchObject({ crossings24h: 3, firstSeenAt: t - 1, lastCrossingAt: t + 1, lastOutboundAt: t + 1, referrals: 2 });
      expect(later.travelers[0]).toMatchObject({ crossings7d: 3, seizures: 1 });
    } finally {
      await store.close();
    }
  });
});

describe('writes', () => {
  it('records nothing from a batch with a bad record, and keeps working with its keys afterwards', async () => {
    const store = openStore();
    try {
      const good = crossingRecord(T0, 'NEW-V', 'NEW-D');
      await expect(store.recordCrossings([good, { ...good, travelers: [] }])).rejects.toThrow('records.1.travelers: exactly one driver is required, got 0');
      // A failure inside SQLite (NOT NULL port) rolls back the entities created in the same transaction.
      const noPort = { ...good, vehicleKey: 'OTHER', port: null as unknown as string };
      await expect(store.recordCrossings([good, noPort])).rejects.toThrow(/NOT NULL/);
      expect(await store.countCrossings()).toBe(0);
      expect(await store.historyBefore({ at: T0 + 1, vehicleKey: 'NEW-V', travelerKeys: ['NEW-D'] })).toEqual({
        vehicle: EMPTY_VEHICLE_HISTORY,
        travelers: [EMPTY_TRAVELER_HISTORY],
      });
      await store.recordCrossings([good]);
      const history = await store.historyBefore({ at: T0 + 1, vehicleKey: 'NEW-V', travelerKeys: ['NEW-D'] });
      expect(history.vehicle.crossings24h).toBe(1);
      expect(history.travelers[0]!.crossings7d).toBe(1);
      expect(await store.countCrossings()).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('records crossings and facts together or not at all (record)', async () => {
    const db = openDatabase(join(dir, 'record-together.db'), { synchronous: 'OFF' });
    const store = createSqliteHistoryStore(db);
    try {
      const crossing = crossingRecord(T0, 'V', 'D');
      const referral: HistoryFact = { entityKey: 'V', kind: 'referral', delta: 1, recordedAt: T0 + 1 };
      // A failure inside SQLite while the facts are written takes the crossing and its new entities with it.
      db.exec("CREATE TRIGGER refuse_facts BEFORE INSERT ON history_fact BEGIN SELECT RAISE(ABORT, 'facts refused (test)'); END");
      await expect(store.record({ crossings: [crossing], facts: [referral] })).rejects.toThrow('facts refused (test)');
      expect(await store.countCrossings()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM entity').pluck().get()).toBe(0);
      db.exec('DROP TRIGGER refuse_facts');
      await store.record({ crossings: [crossing], facts: [referral] });
      const history = await store.historyBefore({ at: T0 + 2, vehicleKey: 'V', travelerKeys: ['D'] });
      expect([history.vehicle.crossings24h, history.vehicle.referrals, history.travelers[0]!.crossings7d]).toEqual([1, 1, 1]);
      expect(await store.countCrossings()).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('leaves a shared connection open on close when it does not own it', async () => {
    const db = openDatabase(join(dir, `shared-connection.db`), { synchronous: 'OFF' });
    const store = createSqliteHistoryStore(db, { ownsDatabase: false });
    await store.close();
    expect(db.open).toBe(true);
    db.close();
  });

  it('refuses instants that are not integer milliseconds and facts with other deltas', async () => {
    const store = openStore();
    try {
      await expect(store.historyBefore({ at: Number.NaN, vehicleKey: 'V', travelerKeys: [] })).rejects.toThrow('query.at must be an integer');
      await expect(
        store.recordFacts([{ entityKey: 'V', kind: 'referral', delta: 2 as 1, recordedAt: T0 }]),
      ).rejects.toThrow('facts.0.delta must be 1 or -1');
    } finally {
      await store.close();
    }
  });
});
