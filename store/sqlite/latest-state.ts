import { WINDOW_24H_MS, WINDOW_30D_MS, WINDOW_365D_MS, WINDOW_7D_MS } from '../../features/history.ts';
import type { SqliteDatabase } from './database.ts';
import type { RunningStates } from './running-state.ts';
import { LADDER_LENGTH, ladderAfterAppends, ladderColumnNames, ladderColumns, ladderFromRows, needsReading } from './window-ladder.ts';

/**
 * The state after each entity's latest crossing, one row per entity and role (vehicle_latest,
 * traveler_latest: migrations/001-history.sql), so that a lookup after that crossing is one seek
 * (history-reader.ts). The writer keeps the same values in memory (running-state.ts) and stores
 * those of every entity a transaction changed before it commits (`write`), in id order.
 */
export interface LatestRole {
  readonly table: string;
  readonly idColumn: string;
  /** The history table whose latest row this summarises. */
  readonly history: string;
  /** Newness-mask columns, in the order of Running.masks. */
  readonly maskColumns: readonly string[];
  readonly hasLastOutbound: boolean;
  /** Windows with a ladder (window-ladder.ts): schema suffix and length, in the order of Running.ladders. */
  readonly windows: readonly { readonly suffix: string; readonly ms: number }[];
}

export const VEHICLE_LATEST: LatestRole = {
  table: 'vehicle_latest',
  idColumn: 'vehicle_id',
  history: 'vehicle_crossing',
  maskColumns: ['port_mask', 'driver_mask'],
  hasLastOutbound: true,
  windows: [
    { suffix: '24h', ms: WINDOW_24H_MS },
    { suffix: '7d', ms: WINDOW_7D_MS },
    { suffix: '30d', ms: WINDOW_30D_MS },
    { suffix: '365d', ms: WINDOW_365D_MS },
  ],
};

export const TRAVELER_LATEST: LatestRole = {
  table: 'traveler_latest',
  idColumn: 'traveler_id',
  history: 'traveler_crossing',
  maskColumns: ['vehicle_mask'],
  hasLastOutbound: false,
  windows: [
    { suffix: '7d', ms: WINDOW_7D_MS },
    { suffix: '30d', ms: WINDOW_30D_MS },
  ],
};

export const windowLengths = (role: LatestRole): number[] => role.windows.map((w) => w.ms);

const NONE: readonly number[] = [];

export interface LatestStateWriter {
  /** The stored row's at, seq and ladder columns (what RunningStates needs to resume), or undefined. */
  stored(id: number): unknown[] | undefined;
  /** Stores the latest state of these entities from `states`, reading the ladders that need it from the history rows (which must be written). */
  write(states: RunningStates, ids: Int32Array): void;
}

export function createLatestStateWriter(db: SqliteDatabase, role: LatestRole): LatestStateWriter {
  const ladderNames = role.windows.flatMap((w) => ladderColumnNames(w.suffix));
  const columns = [role.idColumn, 'at', 'seq', 'first_at', ...(role.hasLastOutbound ? ['last_outbound_at'] : []), ...role.maskColumns, ...ladderNames];
  const select = db.prepare<[number], unknown[]>(`SELECT at, seq, ${ladderNames.join(', ')} FROM ${role.table} WHERE ${role.idColumn} = ?`).raw();
  // A rowid table: a row for an existing id is overwritten in place.
  const upsert = db.prepare(`INSERT OR REPLACE INTO ${role.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const earliestFrom = db
    .prepare<[number, number], [number, number]>(
      `SELECT at, seq FROM ${role.history} WHERE ${role.idColumn} = ? AND at >= ? ORDER BY at, crossing_id LIMIT ${LADDER_LENGTH}`,
    )
    .raw();
  const values: (number | null)[] = [];

  return {
    stored: (id) => select.get(id),
    write(states, ids) {
      for (const id of ids) {
        const state = states.of(id);
        if (state === null) continue;
        values.length = 0;
        values.push(id, state.at, state.seq, state.firstAt);
        if (role.hasLastOutbound) values.push(state.lastOutboundAt);
        for (const mask of state.masks) values.push(mask);
        for (let w = 0; w < role.windows.length; w++) {
          const window = role.windows[w]!.ms;
          const start = state.at + 1 - window;
          let ladder = ladderAfterAppends(state.ladders[w]!, window, state.storedAt, state.appended ?? NONE, state.at);
          if (needsReading(ladder)) ladder = ladderFromRows(earliestFrom.all(id, start), state.seq);
          state.ladders[w] = ladder;
          ladderColumns(ladder, window, state.at, values);
        }
        upsert.run(...values);
        state.appended = null;
        state.storedAt = state.at;
      }
    },
  };
}
