import {
  DISTINCT_SCAN_LIMIT,
  EMPTY_TRAVELER_HISTORY,
  EMPTY_VEHICLE_HISTORY,
  WINDOW_24H_MS,
  WINDOW_30D_MS,
  WINDOW_365D_MS,
  WINDOW_7D_MS,
  type CrossingHistory,
  type HistoryQuery,
  type TravelerHistory,
  type VehicleHistory,
} from '../../features/history.ts';
import type { SqliteDatabase } from './database.ts';
import type { EntityIds } from './entity-ids.ts';
import { TRAVELER_LATEST, VEHICLE_LATEST, type LatestRole } from './latest-state.ts';
import { distinctAmongLatest } from './newness-mask.ts';
import { ladderCountSql } from './window-ladder.ts';

/**
 * The aggregates of features/history.ts for one crossing, from the running values stored on each
 * row (migrations/001-history.sql). No scan: the work does not grow with the length of a history.
 *
 * Per entity, when t is after its latest crossing (live lookups: the crossing being scored is not
 * recorded yet), one seek into its latest state (vehicle_latest / traveler_latest, latest-state.ts),
 * whose window ladders (window-ladder.ts) give the window counts; a window whose ladder has run out
 * costs one more seek into the history. Otherwise (t at or before the latest crossing: rebuilds,
 * backfills), one statement that seeks the latest history row before t and, only where the answer is
 * not already known from that row, the latest row before each window's start. Either way the facts'
 * running totals, and distinct counts from the newness masks of the latest row before t.
 *
 * Why the latest-state table: with the history far larger than the CPU caches (10M crossings, 1.2
 * GB), each seek into it touches cold pages (B-tree levels and leaves, page-table entries), and the
 * general path makes about 11 per lookup; the latest state is a small table of one row per entity.
 * Measured with npm run bench:features (shared machine, best of 7 rounds): lookup + extract at 10M
 * crossings 21.1 → 15.0 µs, at 100k 13.4 → 10.2 µs; with the same 360 queries on both stores (all
 * cache-resident) 10M costs 1.0x 100k instead of 1.4x: the work per lookup no longer depends on the
 * size of the store, what remains is cache misses.
 */
export interface HistoryReader {
  historyBefore(query: HistoryQuery): CrossingHistory;
}

/** Crossings in [from, :at) from the latest row l: its seq minus the seq of the latest row before `from`; a seek only when needed. */
function windowCount(table: string, entity: string, from: string): string {
  return `CASE WHEN at < ${from} THEN 0 WHEN first_at >= ${from} THEN seq
    ELSE seq - ifnull((SELECT seq FROM ${table} WHERE ${entity} = :id AND at < ${from} ORDER BY at DESC, crossing_id DESC LIMIT 1), 0) END`;
}

const FACT_COLUMNS = `(SELECT referrals FROM history_fact WHERE entity_id = :id AND recorded_at < :at ORDER BY recorded_at DESC, fact_id DESC LIMIT 1),
  (SELECT seizures FROM history_fact WHERE entity_id = :id AND recorded_at < :at ORDER BY recorded_at DESC, fact_id DESC LIMIT 1)`;

// Columns: at, first_at, last_outbound_at, c24h, c7d, c30d, c365d, port_mask, driver_mask, referrals, seizures.
const VEHICLE_SQL = `SELECT at, first_at, last_outbound_at,
  ${windowCount('vehicle_crossing', 'vehicle_id', ':from24h')},
  ${windowCount('vehicle_crossing', 'vehicle_id', ':from7d')},
  ${windowCount('vehicle_crossing', 'vehicle_id', ':from30d')},
  ${windowCount('vehicle_crossing', 'vehicle_id', ':from365d')},
  port_mask, driver_mask, ${FACT_COLUMNS}
FROM vehicle_crossing WHERE vehicle_id = :id AND at < :at ORDER BY at DESC, crossing_id DESC LIMIT 1`;

// Columns: first_at, c7d, c30d, vehicle_mask, referrals, seizures.
const TRAVELER_SQL = `SELECT first_at,
  ${windowCount('traveler_crossing', 'traveler_id', ':from7d')},
  ${windowCount('traveler_crossing', 'traveler_id', ':from30d')},
  vehicle_mask, ${FACT_COLUMNS}
FROM traveler_crossing WHERE traveler_id = :id AND at < :at ORDER BY at DESC, crossing_id DESC LIMIT 1`;

/**
 * Crossings in [:at - W, :at) from the entity's latest state, :at after its latest crossing: from the
 * window's ladder, or when it has run out, seq minus that of the latest history row before the start.
 */
function latestWindowCount(role: LatestRole, suffix: string): string {
  const window = role.windows.find((w) => w.suffix === suffix)!.ms;
  return `ifnull(${ladderCountSql(suffix, ':at')},
    seq - ifnull((SELECT seq FROM ${role.history} WHERE ${role.idColumn} = :id AND at < :at - ${window} ORDER BY at DESC, crossing_id DESC LIMIT 1), 0))`;
}

// The columns of VEHICLE_SQL, for :at after the vehicle's latest crossing (no row otherwise).
const VEHICLE_AFTER_LATEST_SQL = `SELECT at, first_at, last_outbound_at,
  ${['24h', '7d', '30d', '365d'].map((suffix) => latestWindowCount(VEHICLE_LATEST, suffix)).join(',\n  ')},
  port_mask, driver_mask, ${FACT_COLUMNS}
FROM vehicle_latest WHERE vehicle_id = :id AND at < :at`;

// The columns of TRAVELER_SQL, likewise.
const TRAVELER_AFTER_LATEST_SQL = `SELECT first_at,
  ${['7d', '30d'].map((suffix) => latestWindowCount(TRAVELER_LATEST, suffix)).join(',\n  ')},
  vehicle_mask, ${FACT_COLUMNS}
FROM traveler_latest WHERE traveler_id = :id AND at < :at`;

/** For an entity without crossings before t, which may still have facts. */
const FACTS_SQL = `SELECT ${FACT_COLUMNS}`;

type VehicleRow = [number, number, number | null, number, number, number, number, number, number, number | null, number | null];
type TravelerRow = [number, number, number, number, number | null, number | null];
type FactsRow = [number | null, number | null];

export function createHistoryReader(db: SqliteDatabase, entities: EntityIds): HistoryReader {
  const vehicleStatement = db.prepare<[Record<string, number>], VehicleRow>(VEHICLE_SQL).raw();
  const travelerStatement = db.prepare<[Record<string, number>], TravelerRow>(TRAVELER_SQL).raw();
  const factsStatement = db.prepare<[Record<string, number>], FactsRow>(FACTS_SQL).raw();
  const vehicleAfterLatest = db.prepare<[Record<string, number>], VehicleRow>(VEHICLE_AFTER_LATEST_SQL).raw();
  const travelerAfterLatest = db.prepare<[Record<string, number>], TravelerRow>(TRAVELER_AFTER_LATEST_SQL).raw();

  const vehicleBefore = (key: string, at: number): VehicleHistory => {
    const id = entities.existing(key);
    if (id === undefined) return EMPTY_VEHICLE_HISTORY;
    const row =
      vehicleAfterLatest.get({ id, at }) ??
      vehicleStatement.get({
        id,
        at,
        from24h: at - WINDOW_24H_MS,
        from7d: at - WINDOW_7D_MS,
        from30d: at - WINDOW_30D_MS,
        from365d: at - WINDOW_365D_MS,
      });
    if (row === undefined) return withFacts(EMPTY_VEHICLE_HISTORY, factsStatement.get({ id, at })!);
    const [lastAt, firstAt, lastOutboundAt, c24h, c7d, c30d, c365d, portMask, driverMask, referrals, seizures] = row;
    const latest = Math.min(c30d, DISTINCT_SCAN_LIMIT);
    return {
      crossings24h: c24h,
      crossings7d: c7d,
      crossings30d: c30d,
      crossings365d: c365d,
      distinctPorts30d: distinctAmongLatest(portMask, latest),
      distinctDrivers30d: distinctAmongLatest(driverMask, latest),
      firstSeenAt: firstAt,
      lastCrossingAt: lastAt,
      lastOutboundAt,
      referrals: referrals ?? 0,
      seizures: seizures ?? 0,
    };
  };

  const travelerBefore = (key: string, at: number): TravelerHistory => {
    const id = entities.existing(key);
    if (id === undefined) return EMPTY_TRAVELER_HISTORY;
    const row = travelerAfterLatest.get({ id, at }) ?? travelerStatement.get({ id, at, from7d: at - WINDOW_7D_MS, from30d: at - WINDOW_30D_MS });
    if (row === undefined) return withFacts(EMPTY_TRAVELER_HISTORY, factsStatement.get({ id, at })!);
    const [firstAt, c7d, c30d, vehicleMask, referrals, seizures] = row;
    return {
      crossings7d: c7d,
      crossings30d: c30d,
      distinctVehicles30d: distinctAmongLatest(vehicleMask, Math.min(c30d, DISTINCT_SCAN_LIMIT)),
      firstSeenAt: firstAt,
      referrals: referrals ?? 0,
      seizures: seizures ?? 0,
    };
  };

  // One read transaction per lookup: outside a transaction every statement takes and releases the
  // file's shared lock (two fcntl calls and an fstat, about 2.5 µs here); inside one, once.
  const historyBefore = db.transaction(
    (query: HistoryQuery): CrossingHistory => ({
      vehicle: vehicleBefore(query.vehicleKey, query.at),
      travelers: query.travelerKeys.map((key) => travelerBefore(key, query.at)),
    }),
  );
  return { historyBefore: (query) => historyBefore(query) };
}

function withFacts<T extends { referrals: number; seizures: number }>(empty: T, [referrals, seizures]: FactsRow): T {
  return referrals === null && seizures === null ? empty : { ...empty, referrals: referrals ?? 0, seizures: seizures ?? 0 };
}
