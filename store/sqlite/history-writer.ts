import type { HistoryFact } from '../../features/history.ts';
import type { CrossingRecord } from '../history-store.ts';
import { PACKED_FIXED_FIELDS, directionOf, laneOf, portCode, type KeyDictionary, type PackedCrossings } from '../packed-crossings.ts';
import type { SqliteDatabase } from './database.ts';
import type { EntityIds } from './entity-ids.ts';
import { TRAVELER_LATEST, VEHICLE_LATEST, createLatestStateWriter, windowLengths } from './latest-state.ts';
import { MASK_BITS, masksOf } from './newness-mask.ts';
import { RunningStates, type AttributeValue } from './running-state.ts';

/**
 * Writes crossings and facts with their running values (schema: migrations/001-history.sql).
 *
 * Each new row needs the running values of its entity's latest row (running-state.ts). They are
 * kept in memory after the first read, so an append reads nothing. The memory is trusted only
 * while no other connection has written: `PRAGMA data_version` changes when another connection
 * commits (https://www.sqlite.org/pragma.html#pragma_data_version), and then it is dropped.
 *
 * Appends are buffered and inserted sorted by entity at the end of the transaction: consecutive
 * inserts then land in the same B-tree leaf, which measured 20-40% cheaper than inserting in time
 * order across all entities. A row older than its entity's latest (a backfill) is written at once
 * (after the buffer): it takes its running values from the row before it, shifts those of every
 * later row (work proportional to them; live traffic and time-ordered imports never backfill) and
 * recomputes the masks of the MASK_BITS - 1 rows after it.
 *
 * Before the transaction commits, the latest state of every entity it changed is stored
 * (latest-state.ts: one row per entity, in id order; for a 1M-crossing import batch, one write per
 * entity instead of per crossing), so the reader answers lookups after an entity's latest crossing
 * from that one row.
 */
export interface HistoryWriter {
  /** All records in one write transaction (IMMEDIATE: the write lock is taken first). */
  recordCrossings(records: readonly CrossingRecord[]): void;
  /** The same for packed crossings (store/packed-crossings.ts); `dictionary` must already hold the batch's new keys. */
  recordPacked(packed: PackedCrossings, dictionary: KeyDictionary): void;
  recordFacts(facts: readonly HistoryFact[]): void;
  /** Crossings, then facts, in one write transaction. */
  record(records: readonly CrossingRecord[], facts: readonly HistoryFact[]): void;
}

/** A crossing with its keys resolved to entity ids and its travelers made distinct. */
interface ResolvedCrossing {
  at: number;
  utcOffsetMinutes: number;
  port: string;
  lane: string;
  outbound: boolean;
  vehicleId: number;
  vinId: number | null;
  driverId: number;
  /** Distinct traveler ids aboard, and 1/0 whether each is the driver. */
  readonly travelerIds: number[];
  readonly isDriver: number[];
}

export function createHistoryWriter(db: SqliteDatabase, entities: EntityIds, stateLimit: number): HistoryWriter {
  const statements = prepareStatements(db);
  const vehicleLatest = createLatestStateWriter(db, VEHICLE_LATEST);
  const travelerLatest = createLatestStateWriter(db, TRAVELER_LATEST);
  const vehicles = new RunningStates(2, windowLengths(VEHICLE_LATEST), (id) => statements.vehicleLatest.iterate(id) as IterableIterator<unknown[]>, vehicleLatest.stored);
  const travelers = new RunningStates(1, windowLengths(TRAVELER_LATEST), (id) => statements.travelerLatest.iterate(id) as IterableIterator<unknown[]>, travelerLatest.stored);
  let seenVersion = -1;
  /** Entity ids of each packed dictionary's keys, by index; replaced when a transaction rolls back. */
  let dictionaryIds = new WeakMap<KeyDictionary, number[]>();

  // Appends waiting to be inserted sorted, one array per column.
  const pendingVehicles = { id: [] as number[], at: [] as number[], crossingId: [] as number[], seq: [] as number[], firstAt: [] as number[], lastOutboundAt: [] as (number | null)[], outbound: [] as number[], port: [] as string[], driverId: [] as number[], lane: [] as string[], utcOffset: [] as number[], vinId: [] as (number | null)[], portMask: [] as number[], driverMask: [] as number[] };
  const pendingTravelers = { id: [] as number[], at: [] as number[], crossingId: [] as number[], seq: [] as number[], firstAt: [] as number[], vehicleId: [] as number[], isDriver: [] as number[], vehicleMask: [] as number[] };

  const clearPending = (): void => {
    for (const column of Object.values(pendingVehicles)) column.length = 0;
    for (const column of Object.values(pendingTravelers)) column.length = 0;
  };

  /**
   * Inserts the pending appends, each table's rows ordered by entity (stably: within an entity they
   * are in time order), INSERT_CHUNK rows per statement: sorted multi-row inserts measured 25%
   * cheaper per row than one statement per row.
   */
  const flushPending = (): void => {
    insertSorted(pendingVehicles, VEHICLE_COLUMNS, statements.insertVehicles, statements.insertVehicle);
    insertSorted(pendingTravelers, TRAVELER_COLUMNS, statements.insertTravelers, statements.insertTraveler);
    clearPending();
  };

  /** Writes one resolved crossing: buffered when it appends to all its entities, at once when it backfills any. */
  const write = (c: ResolvedCrossing, crossingId: number): void => {
    const at = c.at;
    let backfill = false;
    const vehicleState = vehicles.of(c.vehicleId);
    if (vehicleState !== null && at < vehicleState.at) backfill = true;
    for (const id of c.travelerIds) {
      const state = travelers.of(id);
      if (state !== null && at < state.at) backfill = true;
    }
    if (backfill) {
      flushPending();
      writeBackfill(c, crossingId);
      return;
    }
    const v = vehicles.append(c.vehicleId, at, c.outbound, [c.port, c.driverId]);
    const pv = pendingVehicles;
    pv.id.push(c.vehicleId);
    pv.at.push(at);
    pv.crossingId.push(crossingId);
    pv.seq.push(v.seq);
    pv.firstAt.push(v.firstAt);
    pv.lastOutboundAt.push(v.lastOutboundAt);
    pv.outbound.push(c.outbound ? 1 : 0);
    pv.port.push(c.port);
    pv.driverId.push(c.driverId);
    pv.lane.push(c.lane);
    pv.utcOffset.push(c.utcOffsetMinutes);
    pv.vinId.push(c.vinId);
    pv.portMask.push(v.masks[0]!);
    pv.driverMask.push(v.masks[1]!);
    const pt = pendingTravelers;
    for (let k = 0; k < c.travelerIds.length; k++) {
      const id = c.travelerIds[k]!;
      const t = travelers.append(id, at, false, [c.vehicleId]);
      pt.id.push(id);
      pt.at.push(at);
      pt.crossingId.push(crossingId);
      pt.seq.push(t.seq);
      pt.firstAt.push(t.firstAt);
      pt.vehicleId.push(c.vehicleId);
      pt.isDriver.push(c.isDriver[k]!);
      pt.vehicleMask.push(t.masks[0]!);
    }
    if (pt.id.length >= FLUSH_ROWS) flushPending();
  };

  /** A crossing one of whose entities already has a later row: written at once, shifting the rows after it. */
  const writeBackfill = (c: ResolvedCrossing, crossingId: number): void => {
    const { at, outbound, vehicleId } = c;
    const s = statements;
    const vehicleState = vehicles.of(vehicleId);
    if (vehicleState !== null && at < vehicleState.at) {
      const before = s.vehicleAtOrBefore.get(vehicleId, at) as RunningRow | undefined;
      s.shiftVehicles.run(at, outbound ? 1 : 0, at, at, vehicleId, at);
      s.insertVehicle.run(vehicleId, at, crossingId, (before?.[1] ?? 0) + 1, before?.[2] ?? at, outbound ? at : (before?.[3] ?? null), outbound ? 1 : 0, c.port, c.driverId, c.lane, c.utcOffsetMinutes, c.vinId, 0, 0);
      const rows = [...(s.vehicleWindow.all(vehicleId, at) as unknown[][]), ...(s.vehicleAfter.all(vehicleId, at) as unknown[][])];
      const ports = masksOf(rows.map((r) => r[2] as AttributeValue));
      const drivers = masksOf(rows.map((r) => r[3] as AttributeValue));
      // The new row and the rows after it: the ones whose latest MASK_BITS rows include it.
      const first = rows.findIndex((r) => r[0] === at && r[1] === crossingId);
      for (let i = first; i < rows.length; i++) s.setVehicleMasks.run(ports[i]!, drivers[i]!, vehicleId, rows[i]![0] as number, rows[i]![1] as number);
      vehicles.forget(vehicleId);
    } else {
      const v = vehicles.append(vehicleId, at, outbound, [c.port, c.driverId]);
      s.insertVehicle.run(vehicleId, at, crossingId, v.seq, v.firstAt, v.lastOutboundAt, outbound ? 1 : 0, c.port, c.driverId, c.lane, c.utcOffsetMinutes, c.vinId, v.masks[0]!, v.masks[1]!);
    }
    for (let k = 0; k < c.travelerIds.length; k++) {
      const id = c.travelerIds[k]!;
      const state = travelers.of(id);
      if (state !== null && at < state.at) {
        const before = s.travelerAtOrBefore.get(id, at) as RunningRow | undefined;
        s.shiftTravelers.run(at, id, at);
        s.insertTraveler.run(id, at, crossingId, (before?.[1] ?? 0) + 1, before?.[2] ?? at, vehicleId, c.isDriver[k]!, 0);
        const rows = [...(s.travelerWindow.all(id, at) as unknown[][]), ...(s.travelerAfter.all(id, at) as unknown[][])];
        const masks = masksOf(rows.map((r) => r[2] as AttributeValue));
        const first = rows.findIndex((r) => r[0] === at && r[1] === crossingId);
        for (let i = first; i < rows.length; i++) s.setTravelerMask.run(masks[i]!, id, rows[i]![0] as number, rows[i]![1] as number);
        travelers.forget(id);
      } else {
        const t = travelers.append(id, at, false, [vehicleId]);
        s.insertTraveler.run(id, at, crossingId, t.seq, t.firstAt, vehicleId, c.isDriver[k]!, t.masks[0]!);
      }
    }
  };

  /** Runs `work` holding the write lock; running values read from the file are dropped if another connection wrote. */
  const writeTransaction = (work: () => void): void => {
    try {
      db.transaction(() => {
        const version = statements.dataVersion.get() as number;
        // Between transactions only: within one, pending appends depend on the cached values.
        if (version !== seenVersion || vehicles.size + travelers.size > stateLimit) {
          vehicles.clear();
          travelers.clear();
          seenVersion = version;
        }
        work();
        flushPending();
        // After the history rows: a ladder that must be read is read from them.
        vehicleLatest.write(vehicles, vehicles.takeChanged());
        travelerLatest.write(travelers, travelers.takeChanged());
        entities.beforeCommit();
      }).immediate();
      entities.committed();
    } catch (error) {
      // The in-memory values may describe rows and entities that were rolled back.
      vehicles.clear();
      travelers.clear();
      clearPending();
      entities.rolledBack();
      dictionaryIds = new WeakMap();
      throw error;
    }
  };

  const allocateCrossingIds = (count: number): number => (statements.allocateIds.get(count, 'crossing') as number) - count;

  // One scratch crossing, refilled for each record.
  const c: ResolvedCrossing = { at: 0, utcOffsetMinutes: 0, port: '', lane: '', outbound: false, vehicleId: 0, vinId: null, driverId: 0, travelerIds: [], isDriver: [] };

  /** Adds a traveler to the scratch crossing unless already aboard (aggregateHistory counts a crossing once per traveler). */
  const board = (id: number, isDriver: boolean): void => {
    const k = c.travelerIds.indexOf(id);
    if (k < 0) {
      c.travelerIds.push(id);
      c.isDriver.push(isDriver ? 1 : 0);
    } else if (isDriver) {
      c.isDriver[k] = 1;
    }
    if (isDriver) c.driverId = id;
  };

  /** Inside a write transaction. */
  const writeCrossings = (records: readonly CrossingRecord[]): void => {
    let crossingId = allocateCrossingIds(records.length);
    for (const record of records) {
      c.at = record.at;
      c.utcOffsetMinutes = record.utcOffsetMinutes;
      c.port = record.port;
      c.lane = record.lane;
      c.outbound = record.direction === 'outbound';
      c.vehicleId = entities.getOrCreate(record.vehicleKey);
      c.vinId = record.vinKey === null ? null : entities.getOrCreate(record.vinKey);
      c.travelerIds.length = 0;
      c.isDriver.length = 0;
      for (const traveler of record.travelers) board(entities.getOrCreate(traveler.key), traveler.isDriver);
      write(c, crossingId++);
    }
  };

  /** Inside a write transaction. */
  const writeFacts = (facts: readonly HistoryFact[]): void => {
    const s = statements;
    let factId = (s.allocateIds.get(facts.length, 'fact') as number) - facts.length;
    for (const fact of facts) {
      const id = entities.getOrCreate(fact.entityKey);
      const referral = fact.kind === 'referral' ? fact.delta : 0;
      const seizure = fact.kind === 'seizure' ? fact.delta : 0;
      const before = s.factAtOrBefore.get(id, fact.recordedAt) as [number, number] | undefined;
      s.insertFact.run(id, fact.recordedAt, factId, fact.kind, fact.delta, (before?.[0] ?? 0) + referral, (before?.[1] ?? 0) + seizure);
      // Facts are few: always shift (a no-op seek unless the fact is backdated).
      s.shiftFacts.run(referral, seizure, id, fact.recordedAt);
      factId++;
    }
  };

  return {
    recordCrossings(records) {
      if (records.length > 0) writeTransaction(() => writeCrossings(records));
    },

    recordPacked(packed, dictionary) {
      if (packed.count === 0) return;
      writeTransaction(() => {
        const ids = dictionaryIds.get(dictionary) ?? [];
        dictionaryIds.set(dictionary, ids);
        const idOf = (index: number): number => ids[index] ?? (ids[index] = entities.getOrCreate(dictionary.keys[index]!));
        const n = packed.numbers;
        let crossingId = allocateCrossingIds(packed.count);
        let p = 0;
        for (let i = 0; i < packed.count; i++) {
          c.at = n[p]!;
          c.utcOffsetMinutes = n[p + 1]!;
          c.port = portCode(n[p + 2]!);
          c.lane = laneOf(n[p + 3]!);
          c.outbound = directionOf(n[p + 4]!) === 'outbound';
          c.vehicleId = idOf(n[p + 5]!);
          c.vinId = n[p + 6]! < 0 ? null : idOf(n[p + 6]!);
          const aboard = n[p + 7]!;
          p += PACKED_FIXED_FIELDS;
          c.travelerIds.length = 0;
          c.isDriver.length = 0;
          for (let k = 0; k < aboard; k++, p += 2) board(idOf(n[p]!), n[p + 1] === 1);
          write(c, crossingId++);
        }
      });
    },

    recordFacts(facts) {
      if (facts.length > 0) writeTransaction(() => writeFacts(facts));
    },

    record(records, facts) {
      if (records.length === 0 && facts.length === 0) return;
      writeTransaction(() => {
        if (records.length > 0) writeCrossings(records);
        if (facts.length > 0) writeFacts(facts);
      });
    },
  };
}

/** Pending rows, one array per column, in the insert statements' column order. */
type PendingColumns = Record<string, unknown[]>;

const VEHICLE_COLUMNS = ['id', 'at', 'crossingId', 'seq', 'firstAt', 'lastOutboundAt', 'outbound', 'port', 'driverId', 'lane', 'utcOffset', 'vinId', 'portMask', 'driverMask'] as const;
const TRAVELER_COLUMNS = ['id', 'at', 'crossingId', 'seq', 'firstAt', 'vehicleId', 'isDriver', 'vehicleMask'] as const;
const INSERT_CHUNK = 32;

function insertSorted(pending: PendingColumns, columns: readonly string[], chunk: Statement, single: Statement): void {
  const order = orderByEntity(pending.id as number[]);
  const values = columns.map((c) => pending[c]!);
  const args: unknown[] = new Array(columns.length * INSERT_CHUNK);
  let i = 0;
  for (; i + INSERT_CHUNK <= order.length; i += INSERT_CHUNK) {
    let a = 0;
    for (let k = 0; k < INSERT_CHUNK; k++) {
      const row = order[i + k]!;
      for (const column of values) args[a++] = column[row];
    }
    chunk.run(args);
  }
  for (; i < order.length; i++) single.run(values.map((column) => column[order[i]!]));
}

type Statement = ReturnType<SqliteDatabase['prepare']>;

/** at, seq, first_at, last_outbound_at, ... */
type RunningRow = [number, number, number, number | null, ...unknown[]];

const INSERT_VEHICLE =
  'INSERT INTO vehicle_crossing (vehicle_id, at, crossing_id, seq, first_at, last_outbound_at, outbound, port, driver_id, lane, utc_offset_minutes, vin_id, port_mask, driver_mask)';
const INSERT_TRAVELER = 'INSERT INTO traveler_crossing (traveler_id, at, crossing_id, seq, first_at, vehicle_id, is_driver, vehicle_mask)';
const placeholders = (columns: number, rows: number): string => Array(rows).fill(`(${Array(columns).fill('?').join(', ')})`).join(', ');

function prepareStatements(db: SqliteDatabase) {
  const vehicleColumns = 'at, seq, first_at, last_outbound_at, port_mask, driver_mask, port, driver_id';
  const travelerColumns = 'at, seq, first_at, NULL AS last_outbound_at, vehicle_mask, vehicle_id';
  const latestFirst = 'ORDER BY at DESC, crossing_id DESC';
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    allocateIds: db.prepare('UPDATE id_sequence SET next_id = next_id + ? WHERE name = ? RETURNING next_id').pluck(),

    vehicleLatest: db.prepare(`SELECT ${vehicleColumns} FROM vehicle_crossing WHERE vehicle_id = ? ${latestFirst} LIMIT ${MASK_BITS}`).raw(),
    vehicleAtOrBefore: db.prepare(`SELECT ${vehicleColumns} FROM vehicle_crossing WHERE vehicle_id = ? AND at <= ? ${latestFirst} LIMIT 1`).raw(),
    insertVehicle: db.prepare(`${INSERT_VEHICLE} VALUES ${placeholders(14, 1)}`),
    insertVehicles: db.prepare(`${INSERT_VEHICLE} VALUES ${placeholders(14, INSERT_CHUNK)}`),
    // After a backfill at `at`: one more crossing before each later row; first and last outbound may move.
    shiftVehicles: db.prepare(
      `UPDATE vehicle_crossing SET seq = seq + 1, first_at = min(first_at, ?),
         last_outbound_at = CASE WHEN ? = 1 AND (last_outbound_at IS NULL OR last_outbound_at < ?) THEN ? ELSE last_outbound_at END
       WHERE vehicle_id = ? AND at > ?`,
    ),
    vehicleWindow: db
      .prepare(`SELECT * FROM (SELECT at, crossing_id, port, driver_id FROM vehicle_crossing WHERE vehicle_id = ? AND at <= ? ${latestFirst} LIMIT ${MASK_BITS}) ORDER BY at, crossing_id`)
      .raw(),
    vehicleAfter: db.prepare(`SELECT at, crossing_id, port, driver_id FROM vehicle_crossing WHERE vehicle_id = ? AND at > ? ORDER BY at, crossing_id LIMIT ${MASK_BITS - 1}`).raw(),
    setVehicleMasks: db.prepare('UPDATE vehicle_crossing SET port_mask = ?, driver_mask = ? WHERE vehicle_id = ? AND at = ? AND crossing_id = ?'),

    travelerLatest: db.prepare(`SELECT ${travelerColumns} FROM traveler_crossing WHERE traveler_id = ? ${latestFirst} LIMIT ${MASK_BITS}`).raw(),
    travelerAtOrBefore: db.prepare(`SELECT ${travelerColumns} FROM traveler_crossing WHERE traveler_id = ? AND at <= ? ${latestFirst} LIMIT 1`).raw(),
    insertTraveler: db.prepare(`${INSERT_TRAVELER} VALUES ${placeholders(8, 1)}`),
    insertTravelers: db.prepare(`${INSERT_TRAVELER} VALUES ${placeholders(8, INSERT_CHUNK)}`),
    shiftTravelers: db.prepare('UPDATE traveler_crossing SET seq = seq + 1, first_at = min(first_at, ?) WHERE traveler_id = ? AND at > ?'),
    travelerWindow: db
      .prepare(`SELECT * FROM (SELECT at, crossing_id, vehicle_id FROM traveler_crossing WHERE traveler_id = ? AND at <= ? ${latestFirst} LIMIT ${MASK_BITS}) ORDER BY at, crossing_id`)
      .raw(),
    travelerAfter: db.prepare(`SELECT at, crossing_id, vehicle_id FROM traveler_crossing WHERE traveler_id = ? AND at > ? ORDER BY at, crossing_id LIMIT ${MASK_BITS - 1}`).raw(),
    setTravelerMask: db.prepare('UPDATE traveler_crossing SET vehicle_mask = ? WHERE traveler_id = ? AND at = ? AND crossing_id = ?'),

    factAtOrBefore: db.prepare('SELECT referrals, seizures FROM history_fact WHERE entity_id = ? AND recorded_at <= ? ORDER BY recorded_at DESC, fact_id DESC LIMIT 1').raw(),
    insertFact: db.prepare('INSERT INTO history_fact (entity_id, recorded_at, fact_id, kind, delta, referrals, seizures) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    shiftFacts: db.prepare('UPDATE history_fact SET referrals = referrals + ?, seizures = seizures + ? WHERE entity_id = ? AND recorded_at > ?'),
  };
}

/**
 * Row indexes ordered by entity id, keeping the given order within an entity. Sorting a
 * Float64Array of id * 2^22 + index is exact (ids < 2^31, fewer than 2^22 rows: below 2^53)
 * and several times faster than sorting with a comparator.
 */
function orderByEntity(ids: readonly number[]): Float64Array {
  const n = ids.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ids[i]! * INDEX_SPAN + i;
  keys.sort();
  for (let i = 0; i < n; i++) keys[i] = keys[i]! % INDEX_SPAN;
  return keys;
}

const INDEX_SPAN = 2 ** 22;

/**
 * Pending rows are inserted at least this often, so the sort keys stay exact (below INDEX_SPAN)
 * and memory bounded. Above an import batch's traveler rows (1M crossings carry about 1.3M), so
 * a batch is inserted in one sorted pass.
 */
const FLUSH_ROWS = 2_000_000;
