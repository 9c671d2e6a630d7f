import type { SqliteDatabase } from '../../store/sqlite/database.ts';
import type { FairnessAttribute, FairnessUnit } from './audit-groups.ts';
import { addEncoded } from './aggregate-writer.ts';
import type { BatchDeltas, DecisionCellDelta, GroupCellDelta } from './batch-deltas.ts';
import { COUNT_CELL_FIELDS, DECISION_FIELDS, DRIVER_CELL_OFFSET } from './decision-cells.ts';
import { CALIBRATION_LENGTH } from './distribution-layout.ts';
import { decomposeWindow, GROUP_LEVELS, type Level } from './time-buckets.ts';

/**
 * Sums of the monitoring aggregates over a window, on the read connection (committed batches
 * only), plus the cells of committed batches the writer has not written yet (`pending`,
 * aggregate-writer.ts). Each window is read as its few runs of hour, day and week buckets (days,
 * weeks and 28-day periods for groups; time-buckets.ts): nothing here grows with the number of
 * decisions.
 */

export interface AggregateWindow {
  /** Epoch ms, whole hours (whole days for group sums). */
  readonly from: number;
  readonly to: number;
}

export interface AggregateFilters {
  readonly port?: string | undefined;
  readonly modelVersion?: string | undefined;
}

export type SeriesBreakdown = 'none' | 'port' | 'model';

export interface SeriesPoint {
  readonly bucket: number;
  readonly port: string | null;
  readonly modelVersion: string | null;
  /** DECISION_FIELDS order. */
  readonly values: Float64Array;
}

export interface GroupSum {
  /** Values of the requested attributes, in their order. */
  readonly key: readonly string[];
  /** COUNT_CELL_FIELDS order. */
  readonly values: Float64Array;
}

export interface DimensionCount {
  readonly value: string;
  readonly decisions: number;
}

export interface AggregateReader {
  /**
   * Runs `read` in one read transaction, so every statement of a report sees the same committed
   * state (a batch committing between two runs of buckets would otherwise be half in the report).
   */
  consistently<T>(read: () => T): T;
  decisionSums(window: AggregateWindow, filters: AggregateFilters): Float64Array;
  /** Per bucket of `level` over a window aligned to that level, optionally per port or model. */
  decisionSeries(level: Level, window: AggregateWindow, filters: AggregateFilters, by: SeriesBreakdown): SeriesPoint[];
  /** Per group of the attributes (window in whole days): occupants' count cells, or drivers' with unit=driver. */
  groupSums(window: AggregateWindow, filters: AggregateFilters, unit: FairnessUnit, attributes: readonly FairnessAttribute[]): GroupSum[];
  /** Calibration sums (distribution-layout.ts), over every model version matching the filters. */
  calibrationSums(window: AggregateWindow, filters: AggregateFilters): Float64Array;
  /** The packed distributions of one model version; rows of another length are counted, not added. */
  distributionSums(window: AggregateWindow, port: string | undefined, modelVersion: string, length: number): { values: Float64Array; mismatched: number };
  /** Sums per port and model version over the window. */
  decisionSumsByPortAndModel(window: AggregateWindow): { port: string; modelVersion: string; values: Float64Array }[];
  /** Ports and model versions with decisions in the window, most decisions first. */
  dimensions(window: AggregateWindow): { ports: DimensionCount[]; models: DimensionCount[] };
}

const ATTRIBUTE_COLUMNS: Readonly<Record<FairnessAttribute, string>> = { sex: 'sex', ageBand: 'age_band', citizenship: 'citizenship' };

const FILTER = '(:port IS NULL OR port = :port) AND (:model IS NULL OR model_version = :model)';
const RUN = 'level = :level AND bucket >= :from AND bucket < :to';

interface RunParameters {
  level: number;
  from: number;
  to: number;
  port: string | null;
  model: string | null;
}

function runs(window: AggregateWindow, filters: AggregateFilters, levels?: readonly Level[]): RunParameters[] {
  const port = filters.port ?? null;
  const model = filters.modelVersion ?? null;
  return decomposeWindow(window.from, window.to, levels).map((r) => ({ level: r.level, from: r.from, to: r.to, port, model }));
}

const totals = (fields: readonly string[]): string => fields.map((f) => `TOTAL(${f})`).join(', ');

/** The pending cells inside one of the runs and matching their filters. */
function* inRuns<C extends DecisionCellDelta | GroupCellDelta>(cells: IterableIterator<C>, list: readonly RunParameters[]): Generator<C> {
  for (const cell of cells) {
    for (const run of list) {
      if (cell.level !== run.level || cell.bucket < run.from || cell.bucket >= run.to) continue;
      if ((run.port !== null && cell.port !== run.port) || (run.model !== null && cell.modelVersion !== run.model)) continue;
      yield cell;
      break;
    }
  }
}

/** Adds from[offset …] into `into` (query rows hold numbers after their key columns). */
function addInto(into: Float64Array, from: ArrayLike<unknown>, offset = 0): void {
  for (let i = 0; i < into.length; i++) into[i] += from[offset + i] as number;
}

const NO_PENDING = (): null => null;

export function createAggregateReader(db: SqliteDatabase, pending: () => BatchDeltas | null = NO_PENDING): AggregateReader {
  const decisionSums = db.prepare<[RunParameters], number[]>(`SELECT ${totals(DECISION_FIELDS)} FROM monitor_decision_cells WHERE ${RUN} AND ${FILTER}`).raw();
  const distributions = db.prepare<[RunParameters], Buffer>(`SELECT data FROM monitor_distributions WHERE ${RUN} AND ${FILTER}`).pluck();
  const byPortAndModel = db
    .prepare<[RunParameters], unknown[]>(
      `SELECT port, model_version, ${totals(DECISION_FIELDS)} FROM monitor_decision_cells WHERE ${RUN} AND ${FILTER} GROUP BY port, model_version`,
    )
    .raw();
  const seriesStatements = new Map<SeriesBreakdown, ReturnType<typeof prepareSeries>>();
  const groupStatements = new Map<string, ReturnType<typeof prepareGroups>>();

  function prepareSeries(by: SeriesBreakdown) {
    const extra = by === 'port' ? ', port' : by === 'model' ? ', model_version' : '';
    return db
      .prepare<[RunParameters], unknown[]>(
        `SELECT bucket${extra}, ${totals(DECISION_FIELDS)} FROM monitor_decision_cells WHERE ${RUN} AND ${FILTER} GROUP BY bucket${extra}`,
      )
      .raw();
  }

  function prepareGroups(attributes: readonly FairnessAttribute[], unit: FairnessUnit) {
    const columns = attributes.map((a) => ATTRIBUTE_COLUMNS[a]).join(', ');
    const cells = unit === 'driver' ? COUNT_CELL_FIELDS.map((f) => `driver_${f}`) : COUNT_CELL_FIELDS;
    return db
      .prepare<[RunParameters], unknown[]>(`SELECT ${columns}, ${totals(cells)} FROM monitor_group_cells WHERE ${RUN} AND ${FILTER} GROUP BY ${columns}`)
      .raw();
  }

  const pendingDecisionCells = (list: readonly RunParameters[]): Iterable<DecisionCellDelta> => {
    const p = pending();
    return p === null ? [] : inRuns(p.decisionCells(), list);
  };

  function byPortAndModelSums(window: AggregateWindow): Map<string, { port: string; modelVersion: string; values: Float64Array }> {
    const merged = new Map<string, { port: string; modelVersion: string; values: Float64Array }>();
    const into = (port: string, modelVersion: string): Float64Array => {
      const id = `${port}\u0000${modelVersion}`;
      let sum = merged.get(id);
      if (sum === undefined) {
        sum = { port, modelVersion, values: new Float64Array(DECISION_FIELDS.length) };
        merged.set(id, sum);
      }
      return sum.values;
    };
    const list = runs(window, {});
    for (const run of list) for (const row of byPortAndModel.all(run)) addInto(into(row[0] as string, row[1] as string), row, 2);
    for (const cell of pendingDecisionCells(list)) addInto(into(cell.port, cell.modelVersion), cell.values);
    return merged;
  }

  return {
    consistently: (read) => (db.inTransaction ? read() : db.transaction(read).deferred()),

    decisionSums(window, filters) {
      const sums = new Float64Array(DECISION_FIELDS.length);
      const list = runs(window, filters);
      for (const run of list) addInto(sums, decisionSums.get(run) as number[]);
      for (const cell of pendingDecisionCells(list)) addInto(sums, cell.values);
      return sums;
    },

    decisionSeries(level, window, filters, by) {
      let statement = seriesStatements.get(by);
      if (statement === undefined) {
        statement = prepareSeries(by);
        seriesStatements.set(by, statement);
      }
      const run: RunParameters = { level, from: window.from, to: window.to, port: filters.port ?? null, model: filters.modelVersion ?? null };
      const points = new Map<string, SeriesPoint>();
      const into = (bucket: number, port: string | null, modelVersion: string | null): Float64Array => {
        const id = `${bucket}\u0000${port ?? ''}\u0000${modelVersion ?? ''}`;
        let point = points.get(id);
        if (point === undefined) {
          point = { bucket, port, modelVersion, values: new Float64Array(DECISION_FIELDS.length) };
          points.set(id, point);
        }
        return point.values;
      };
      const keyColumns = by === 'none' ? 1 : 2;
      for (const row of statement.all(run)) {
        addInto(into(row[0] as number, by === 'port' ? (row[1] as string) : null, by === 'model' ? (row[1] as string) : null), row, keyColumns);
      }
      for (const cell of pendingDecisionCells([run])) {
        addInto(into(cell.bucket, by === 'port' ? cell.port : null, by === 'model' ? cell.modelVersion : null), cell.values);
      }
      return [...points.values()].sort(
        (a, b) => a.bucket - b.bucket || (a.port ?? '').localeCompare(b.port ?? '') || (a.modelVersion ?? '').localeCompare(b.modelVersion ?? ''),
      );
    },

    groupSums(window, filters, unit, attributes) {
      const id = `${unit}:${attributes.join(',')}`;
      let statement = groupStatements.get(id);
      if (statement === undefined) {
        statement = prepareGroups(attributes, unit);
        groupStatements.set(id, statement);
      }
      const merged = new Map<string, GroupSum>();
      const into = (key: string[]): Float64Array => {
        const id = key.join('\u0000');
        let sum = merged.get(id);
        if (sum === undefined) {
          sum = { key, values: new Float64Array(COUNT_CELL_FIELDS.length) };
          merged.set(id, sum);
        }
        return sum.values;
      };
      const list = runs(window, filters, GROUP_LEVELS);
      for (const run of list) for (const row of statement.all(run)) addInto(into(row.slice(0, attributes.length) as string[]), row, attributes.length);
      const p = pending();
      if (p !== null) {
        const offset = unit === 'driver' ? DRIVER_CELL_OFFSET : 0;
        for (const cell of inRuns(p.groupCells(), list)) addInto(into(attributes.map((a) => cell[a])), cell.values, offset);
      }
      return [...merged.values()];
    },

    calibrationSums(window, filters) {
      const sums = new Float64Array(CALIBRATION_LENGTH);
      const list = runs(window, filters);
      for (const run of list) {
        for (const blob of distributions.iterate(run)) if (blob.length >= CALIBRATION_LENGTH * 8) addEncoded(blob, sums);
      }
      for (const cell of pendingDecisionCells(list)) if (cell.distributions !== null) addInto(sums, cell.distributions);
      return sums;
    },

    distributionSums(window, port, modelVersion, length) {
      const values = new Float64Array(length);
      let mismatched = 0;
      const list = runs(window, { port, modelVersion });
      for (const run of list) {
        for (const blob of distributions.iterate(run)) {
          if (blob.length === length * 8) addEncoded(blob, values);
          else mismatched++;
        }
      }
      for (const cell of pendingDecisionCells(list)) {
        if (cell.distributions !== null && cell.distributions.length === length) addInto(values, cell.distributions);
      }
      return { values, mismatched };
    },

    decisionSumsByPortAndModel: (window) => [...byPortAndModelSums(window).values()],

    dimensions(window) {
      const ports = new Map<string, number>();
      const models = new Map<string, number>();
      for (const { port, modelVersion, values } of byPortAndModelSums(window).values()) {
        const decisions = values[0] as number;
        ports.set(port, (ports.get(port) ?? 0) + decisions);
        models.set(modelVersion, (models.get(modelVersion) ?? 0) + decisions);
      }
      const listed = (counts: Map<string, number>): DimensionCount[] =>
        [...counts.entries()]
          .map(([value, decisions]) => ({ value, decisions: Math.round(decisions) }))
          .filter((c) => c.decisions > 0)
          .sort((a, b) => b.decisions - a.decisions || a.value.localeCompare(b.value));
      return { ports: listed(ports), models: listed(models) };
    },
  };
}
