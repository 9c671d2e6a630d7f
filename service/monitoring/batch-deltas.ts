import type { OutcomeRecord } from '../decisions/decision-record.ts';
import { unitGroups, type UnitGroup } from './audit-groups.ts';
import { addCountCells, addDecisionFields, COUNT_CELL_FIELDS, DECISION_FIELDS, DRIVER_CELL_OFFSET, GROUP_FIELDS, type CountedDecision, type CountedOutcome } from './decision-cells.ts';
import { addCalibration, addDecisionHistograms, type DistributionLayout } from './distribution-layout.ts';
import { bucketStart, DECISION_LEVELS, GROUP_LEVELS, type Level } from './time-buckets.ts';

/**
 * One batch's changes to the aggregates, summed in memory by cell before they are written, so a
 * batch of many decisions at one port in one hour costs one row update per level, not one per
 * decision. Every decision adds its contribution at each level (time-buckets.ts: DECISION_LEVELS
 * and GROUP_LEVELS); an outcome
 * subtracts the decision's contribution under the outcome it supersedes (or under no outcome) and
 * adds it under the new one (decision-cells.ts).
 */

export interface CellKey {
  readonly level: Level;
  readonly bucket: number;
  readonly port: string;
  readonly modelVersion: string;
}

export interface DecisionCellDelta extends CellKey {
  /** DECISION_FIELDS order. */
  readonly values: Float64Array;
  /** Packed as distribution-layout.ts describes; null when the model version has no card. */
  readonly distributions: Float64Array | null;
  readonly layout: DistributionLayout | null;
}

export interface GroupCellDelta extends CellKey, Omit<UnitGroup, 'role'> {
  /** GROUP_FIELDS order: occupant cells, then driver cells. */
  readonly values: Float64Array;
}

export interface BatchDeltas {
  addDecision(d: CountedDecision): void;
  /** `previous`: the outcome in force before this one (the superseded one), or null. */
  addOutcome(d: CountedDecision, previous: CountedOutcome | null, outcome: CountedOutcome | OutcomeRecord): void;
  decisionCells(): IterableIterator<DecisionCellDelta>;
  groupCells(): IterableIterator<GroupCellDelta>;
  /** Cells held (decision cells and group cells). */
  size(): number;
}

const SEP = '\u0000';

export function createBatchDeltas(layoutFor: (modelVersion: string) => DistributionLayout | undefined): BatchDeltas {
  const decisionCells = new Map<string, DecisionCellDelta>();
  const groupCells = new Map<string, GroupCellDelta>();
  const fields = new Float64Array(DECISION_FIELDS.length);
  const cells = new Float64Array(COUNT_CELL_FIELDS.length);

  const decisionCellAt = (level: Level, bucket: number, port: string, modelVersion: string): DecisionCellDelta => {
    const id = level + SEP + bucket + SEP + port + SEP + modelVersion;
    let cell = decisionCells.get(id);
    if (cell === undefined) {
      const layout = layoutFor(modelVersion) ?? null;
      cell = {
        level,
        bucket,
        port,
        modelVersion,
        values: new Float64Array(DECISION_FIELDS.length),
        distributions: layout === null ? null : new Float64Array(layout.length),
        layout,
      };
      decisionCells.set(id, cell);
    }
    return cell;
  };
  const decisionCell = (level: Level, d: CountedDecision): DecisionCellDelta => decisionCellAt(level, bucketStart(level, d.crossingAt), d.port, d.modelVersion);

  const groupCellAt = (key: CellKey, group: Omit<UnitGroup, 'role'>, prefix: string, suffix: string): GroupCellDelta => {
    const id = prefix + suffix;
    let cell = groupCells.get(id);
    if (cell === undefined) {
      cell = { ...key, sex: group.sex, ageBand: group.ageBand, citizenship: group.citizenship, values: new Float64Array(GROUP_FIELDS.length) };
      groupCells.set(id, cell);
    }
    return cell;
  };
  const groupSuffix = (g: Omit<UnitGroup, 'role'>): string => SEP + g.sex + SEP + g.ageBand + SEP + g.citizenship;
  const cellPrefix = (level: Level, bucket: number, port: string, modelVersion: string): string => level + SEP + bucket + SEP + port + SEP + modelVersion;

  /** Adds `delta` (count cells) to each occupant's group, and to the driver's group as driver cells. */
  const addToGroups = (d: CountedDecision, groups: readonly UnitGroup[], delta: Float64Array): void => {
    const suffixes = groups.map(groupSuffix);
    for (const level of GROUP_LEVELS) {
      const bucket = bucketStart(level, d.crossingAt);
      const key: CellKey = { level, bucket, port: d.port, modelVersion: d.modelVersion };
      const prefix = cellPrefix(level, bucket, d.port, d.modelVersion);
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k] as UnitGroup;
        const values = groupCellAt(key, g, prefix, suffixes[k] as string).values;
        for (let i = 0; i < delta.length; i++) values[i] += delta[i] as number;
        if (g.role === 'driver') for (let i = 0; i < delta.length; i++) values[DRIVER_CELL_OFFSET + i] += delta[i] as number;
      }
    }
  };

  /** Adds `delta` (decision fields) at every level; with `outcome` set, the calibration change, else the decision's histograms. */
  const addToDecisionCells = (
    d: CountedDecision,
    delta: Float64Array,
    outcome: { previous: CountedOutcome | null; current: CountedOutcome } | null,
  ): void => {
    const layout = outcome === null ? layoutFor(d.modelVersion) : undefined;
    for (const level of DECISION_LEVELS) {
      const cell = decisionCell(level, d);
      for (let i = 0; i < delta.length; i++) cell.values[i] += delta[i] as number;
      const out = cell.distributions;
      if (out === null) continue;
      if (outcome === null) {
        if (layout !== undefined) addDecisionHistograms(layout, d, out);
      } else {
        addCalibration(d, outcome.previous, -1, out);
        addCalibration(d, outcome.current, 1, out);
      }
    }
  };

  return {
    addDecision(d) {
      fields.fill(0);
      addDecisionFields(d, null, 1, fields);
      addToDecisionCells(d, fields, null);
      cells.fill(0);
      addCountCells(d, null, 1, cells, 0);
      addToGroups(d, unitGroups(d.audit, d.crossingAt), cells);
    },
    addOutcome(d, previous, outcome) {
      fields.fill(0);
      addDecisionFields(d, previous, -1, fields);
      addDecisionFields(d, outcome, 1, fields);
      addToDecisionCells(d, fields, { previous, current: outcome });
      cells.fill(0);
      addCountCells(d, previous, -1, cells, 0);
      addCountCells(d, outcome, 1, cells, 0);
      if (cells.some((v) => v !== 0)) addToGroups(d, unitGroups(d.audit, d.crossingAt), cells);
    },
    decisionCells: () => decisionCells.values(),
    groupCells: () => groupCells.values(),
    size: () => decisionCells.size + groupCells.size,
  };
}
