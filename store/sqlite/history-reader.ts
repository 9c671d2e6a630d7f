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
import { distinctAmongLatest } from './newness-mask.ts';

/**
 * The aggregates of features/history.ts for one crossing, from the running values stored on each
 * row (migrations/001-history.sql). Per entity: one statement that seeks the latest row before t
 * and, only where the answer is not already known from that row, the latest row before each
 * window's start; plus the facts' running totals. Distinct counts come from the newness masks
 * of the latest row. No scan: the work does not grow with the length of a history.
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

/** For an entity without crossings before t, which may still have facts. */
const FACTS_SQL = `SELECT ${FACT_COLUMNS}`;

type VehicleRow = [number, number, number | null, number, number, number, number, number, number, number | null, number | null];
type TravelerRow = [number, number, number, number, number | null, number | null];
type FactsRow = [number | null, number | null];

export function createHistoryReader(db: SqliteDatabase, entities: EntityIds): HistoryReader {
  const vehicleStatement = db.prepare<[Record<string, number>], VehicleRow>(VEHICLE_SQL).raw();
  const travelerStatement = db.prepare<[Record<string, number>], TravelerRow>(TRAVELER_SQL).raw();
  const factsStatement = db.prepare<[Record<string, number>], FactsRow>(FACTS_SQL).raw();

  const vehicleBefore = (key: string, at: number): VehicleHistory => {
    const id = entities.existing(key);
    if (id === undefined) return EMPTY_VEHICLE_HISTORY;
    const row = vehicleStatement.get({
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
    const row = travelerStatement.get({ id, at, from7d: at - WINDOW_7D_MS, from30d: at - WINDOW_30D_MS });
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
