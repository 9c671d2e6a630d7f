import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, WINDOW_24H_MS, WINDOW_30D_MS, WINDOW_365D_MS, WINDOW_7D_MS, aggregateHistory, type HistoryCrossing } from '../../features/history.ts';
import { createRandom, type Random } from '../../lib/random.ts';
import type { CrossingRecord } from '../../store/history-store.ts';
import { toHistoryCrossing } from './reference-crossing.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { openDatabase, type SqliteDatabase } from '../../store/sqlite/database.ts';
import { TRAVELER_LATEST, VEHICLE_LATEST, type LatestRole } from '../../store/sqlite/latest-state.ts';
import { LADDER_LENGTH, UNKNOWN_COUNT, emptyLadder, ladderAfterAppends, ladderColumnNames, needsReading } from '../../store/sqlite/window-ladder.ts';

const dir = mkdtempSync(join(tmpdir(), 'latest-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const T0 = Date.parse('2024-01-01T00:00:00Z');
const WINDOWS = [WINDOW_24H_MS, WINDOW_7D_MS, WINDOW_30D_MS, WINDOW_365D_MS];

describe('window ladders', () => {
  it('advance by hand-computed steps: times leave at the start, the count follows, an exhausted list becomes unknown', () => {
    const window = 10;
    // A new entity crossing at 0..9: start 0, all ten counted, the first LADDER_LENGTH (8) listed.
    let ladder = ladderAfterAppends(emptyLadder(), window, -Infinity, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 9);
    expect(ladder).toEqual({ count: 10, times: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(needsReading(ladder)).toBe(false);
    // At 12: start 3; 0, 1, 2 leave. 7 crossings (3..9) plus 12 are counted, 5 listed.
    ladder = ladderAfterAppends(ladder, window, 9, [12], 12);
    expect(ladder).toEqual({ count: 8, times: [3, 4, 5, 6, 7] });
    // At 16: start 7; 3..6 leave: 7, 8, 9, 12 and 16 counted, only 7 listed: short, to be read again.
    const short = ladderAfterAppends(ladder, window, 12, [16], 16);
    expect(short).toEqual({ count: 5, times: [7] });
    expect(needsReading(short)).toBe(true);
    // Then at 20: start 11; 7 leaves, and of the unlisted 8, 9, 12, 16 some have too: unknown.
    expect(ladderAfterAppends(short, window, 16, [20], 20).count).toBe(UNKNOWN_COUNT);
    // At 30 instead: start 21, after every earlier crossing: only the new one counts, whatever the ladder was.
    expect(ladderAfterAppends(short, window, 16, [30], 30)).toEqual({ count: 1, times: [30] });
    expect(ladderAfterAppends({ count: UNKNOWN_COUNT, times: [] }, window, 16, [25, 30], 30)).toEqual({ count: 2, times: [25, 30] });
  });

  it('stays complete while every counted crossing is listed, same-millisecond crossings included', () => {
    let ladder = ladderAfterAppends(emptyLadder(), 5, -Infinity, [100, 100, 100], 100);
    expect(ladder).toEqual({ count: 3, times: [100, 100, 100] });
    // At 105 the start is 101: the three crossings at 100 left.
    ladder = ladderAfterAppends(ladder, 5, 100, [105], 105);
    expect(ladder).toEqual({ count: 1, times: [105] });
    // At 109 the start is 105: 105, exactly at the start, stays; 109 joins the complete list.
    ladder = ladderAfterAppends(ladder, 5, 105, [109], 109);
    expect(ladder).toEqual({ count: 2, times: [105, 109] });
    expect(needsReading(ladder)).toBe(false);
  });
});

/** A random mix of heavy and occasional crossers, instants to the millisecond, windows landing on crossings. */
function randomRecords(random: Random, count: number): CrossingRecord[] {
  const records: CrossingRecord[] = [];
  const instants: number[] = [];
  let now = T0;
  for (let i = 0; i < count; i++) {
    const r = random.next();
    if (r < 0.1 && instants.length > 0) now = Math.max(now, random.pick(instants) + random.pick(WINDOWS) + random.pick([-1, 0, 1]));
    else if (r > 0.15) now += random.pick([0, 1, 1 + random.int(HOUR_MS), random.int(DAY_MS), random.int(20 * DAY_MS)]);
    instants.push(now);
    records.push({
      at: now,
      utcOffsetMinutes: 0,
      port: random.pick(['2504', '2506', '0101']),
      lane: 'general',
      direction: random.chance(0.5) ? 'outbound' : 'inbound',
      // A heavy crosser, a few regulars, some once-only vehicles.
      vehicleKey: random.chance(0.5) ? 'V0' : random.chance(0.7) ? `V${1 + random.int(4)}` : `V-once-${i}`,
      vinKey: null,
      travelers: [{ key: random.chance(0.6) ? 'D0' : `D${1 + random.int(6)}`, isDriver: true }, ...(random.chance(0.3) ? [{ key: `P${random.int(3)}`, isDriver: false }] : [])],
    });
  }
  return records;
}


/** Every stored latest state is its entity's latest history row, and each ladder a true prefix of its crossings from the window's start. */
function checkLatestRows(db: SqliteDatabase, role: LatestRole): number {
  const rows = db.prepare(`SELECT * FROM ${role.table}`).all() as Record<string, number | null>[];
  const entities = db.prepare(`SELECT DISTINCT ${role.idColumn} FROM ${role.history}`).pluck().all();
  expect(rows.length).toBe(entities.length);
  for (const row of rows) {
    const id = row[role.idColumn]!;
    const history = db.prepare(`SELECT * FROM ${role.history} WHERE ${role.idColumn} = ? ORDER BY at, crossing_id`).all(id) as Record<string, number | null>[];
    const latest = history.at(-1)!;
    for (const column of ['at', 'seq', 'first_at', ...(role.hasLastOutbound ? ['last_outbound_at'] : []), ...role.maskColumns]) {
      expect(row[column], `${role.table} ${id} ${column}`).toBe(latest[column]);
    }
    for (const window of role.windows) {
      const start = latest.at! + 1 - window.ms;
      const inWindow = history.map((h) => h.at!).filter((at) => at >= start);
      const [count, ...offsets] = ladderColumnNames(window.suffix).map((name) => row[name]);
      const listed = offsets.filter((o) => o !== null).map((o) => o! + start);
      expect(count, `${role.table} ${id} c${window.suffix}`).toBe(inWindow.length);
      expect(listed, `${role.table} ${id} o${window.suffix}`).toEqual(inWindow.slice(0, listed.length));
      // Nulls only after the last listed; at least half a ladder unless fewer crossings.
      expect(offsets.slice(listed.length).every((o) => o === null)).toBe(true);
      expect(listed.length).toBeGreaterThanOrEqual(Math.min(inWindow.length, LADDER_LENGTH / 2));
    }
  }
  return rows.length;
}

describe('latest-state rows', () => {
  it('hold each entity latest row and exact ladders, after batches, single-crossing transactions and backfills', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const random = createRandom(seed);
      const records = randomRecords(random, 600);
      // A share of records arrives late (backfill).
      for (let i = 0; i < records.length; i++) {
        if (random.chance(0.03)) {
          const j = random.int(records.length);
          [records[i], records[j]] = [records[j]!, records[i]!];
        }
      }
      const path = join(dir, `rows-${files++}.db`);
      const store = createSqliteHistoryStore(openDatabase(path, { synchronous: 'OFF' }));
      const db = openDatabase(path, { synchronous: 'OFF' });
      try {
        for (let i = 0; i < records.length; ) {
          const size = random.chance(0.7) ? 1 : 1 + random.int(200);
          await store.recordCrossings(records.slice(i, i + size));
          i += size;
        }
        expect(checkLatestRows(db, VEHICLE_LATEST)).toBeGreaterThan(5);
        expect(checkLatestRows(db, TRAVELER_LATEST)).toBeGreaterThan(5);
      } finally {
        db.close();
        await store.close();
      }
    }
  });

  it('answer lookups after the latest crossing exactly as aggregateHistory, one crossing per transaction as live traffic', async () => {
    const random = createRandom(77);
    const records = randomRecords(random, 500);
    const store = createSqliteHistoryStore(openDatabase(join(dir, `live-${files++}.db`), { synchronous: 'OFF' }));
    try {
      const reference: HistoryCrossing[] = [];
      let compared = 0;
      for (const [i, record] of records.entries()) {
        // Now and then a crossing recorded late, before others already stored.
        const late = i > 10 && random.chance(0.05);
        const written = late ? { ...record, at: record.at - random.int(40 * DAY_MS) } : record;
        await store.recordCrossings([written]);
        reference.push(toHistoryCrossing(written, i));
        const latest = Math.max(...reference.map((c) => c.at));
        // Just after the latest crossing; a window after some crossing (its boundary exactly on it), a millisecond either side.
        const crossing = random.pick(reference).at;
        const window = random.pick(WINDOWS);
        for (const at of [latest + 1, latest + 1 + random.int(3 * DAY_MS), crossing + window, crossing + window + 1, crossing + window - 1]) {
          const query = { at, vehicleKey: record.vehicleKey, travelerKeys: record.travelers.map((t) => t.key) };
          expect(await store.historyBefore(query), `crossing ${i}, at ${at}`).toEqual(aggregateHistory(reference, [], query));
          compared++;
        }
      }
      expect(compared).toBe(records.length * 5);
    } finally {
      await store.close();
    }
  });
});
