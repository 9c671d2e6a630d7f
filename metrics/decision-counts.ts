import type { Random } from '../lib/random.ts';
import { EMPTY_CONFUSION, type ConfusionCounts } from './confusion.ts';
import { multinomialDrawInto } from './binomial-sampling.ts';

/**
 * A group's decisions as counts: everything the fairness table, the selective-label estimates and
 * their bootstraps need, and nothing that grows with the number of decisions. Counts add, so a
 * service keeps one per hour × port × model × group and sums them for any window; a CSV audit
 * builds one per group in one pass.
 *
 * Every decision falls in exactly one of six cells:
 *
 *   labelled (the outcome is known and may be used):   TP  FP  FN  TN   (predicted × label)
 *   unlabelled:                                        referred, released (by predicted)
 *
 * "Predicted positive" is the model's recommendation (score >= threshold), whoever then referred.
 * A labelled row carries an inverse-propensity weight w = 1 / P(inspected | the policy), so that
 * labelled rows stand for all decisions (DESIGN.md, selective labels): under the service's policy
 * (service/scoring/decide.ts) a model referral has w = 1 and a random selection the model would have
 * released has w = 1 / random rate. In a fully labelled file (a simulator training set, COMPAS)
 * every row is labelled with w = 1 and the weighted cells equal the row cells.
 *
 * Only inspections the policy caused may be labelled here: an officer's own referral of a crossing
 * the model released, not randomly selected, has no known propensity and counts as unlabelled
 * released — its outcome would bias FN and TN.
 *
 * The sums of squared weights give the estimates' variances (selective-labels.ts).
 */
export interface DecisionCounts {
  readonly labelledRows: ConfusionCounts;
  readonly labelledWeights: ConfusionCounts;
  readonly labelledWeightsSquared: ConfusionCounts;
  /** The model recommended referral; no usable outcome (not yet recorded, or no inspection). */
  readonly unlabelledReferred: number;
  /** The model recommended release; no usable outcome. */
  readonly unlabelledReleased: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** A DecisionCounts being accumulated (countDecision mutates it). */
export type DecisionTally = Mutable<DecisionCounts>;

export const EMPTY_DECISION_COUNTS: DecisionCounts = Object.freeze({
  labelledRows: EMPTY_CONFUSION,
  labelledWeights: EMPTY_CONFUSION,
  labelledWeightsSquared: EMPTY_CONFUSION,
  unlabelledReferred: 0,
  unlabelledReleased: 0,
});

const emptyCells = (): Mutable<ConfusionCounts> => ({ truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0 });

export function createDecisionTally(): DecisionTally {
  return {
    labelledRows: emptyCells(),
    labelledWeights: emptyCells(),
    labelledWeightsSquared: emptyCells(),
    unlabelledReferred: 0,
    unlabelledReleased: 0,
  };
}

export interface CountedDecision {
  /** The model recommended referral. */
  readonly predictedPositive: boolean;
  /** The outcome when known and usable (1: contraband found), else null. */
  readonly label: 0 | 1 | null;
  /** Inverse-propensity weight of a labelled row; default 1. */
  readonly weight?: number;
}

const cellOf = (predictedPositive: boolean, label: 0 | 1): keyof ConfusionCounts =>
  predictedPositive ? (label === 1 ? 'truePositives' : 'falsePositives') : label === 1 ? 'falseNegatives' : 'trueNegatives';

/** Adds one decision to a tally. */
export function countDecision(tally: DecisionTally, decision: CountedDecision): void {
  if (decision.label === null) {
    if (decision.predictedPositive) tally.unlabelledReferred++;
    else tally.unlabelledReleased++;
    return;
  }
  const w = decision.weight ?? 1;
  if (!(w > 0 && Number.isFinite(w))) throw new RangeError(`a labelled decision's weight must be a finite number > 0, got ${w}`);
  const cell = cellOf(decision.predictedPositive, decision.label);
  tally.labelledRows[cell]++;
  tally.labelledWeights[cell] += w;
  tally.labelledWeightsSquared[cell] += w * w;
}

/** Counts of a fully labelled set with weight 1 per row (e.g. from confusionCounts on a file). */
export function decisionCountsFromConfusion(rows: ConfusionCounts): DecisionCounts {
  return { labelledRows: rows, labelledWeights: rows, labelledWeightsSquared: rows, unlabelledReferred: 0, unlabelledReleased: 0 };
}

const addCells = (a: ConfusionCounts, b: ConfusionCounts): ConfusionCounts => ({
  truePositives: a.truePositives + b.truePositives,
  falsePositives: a.falsePositives + b.falsePositives,
  falseNegatives: a.falseNegatives + b.falseNegatives,
  trueNegatives: a.trueNegatives + b.trueNegatives,
});

export function addDecisionCounts(a: DecisionCounts, b: DecisionCounts): DecisionCounts {
  return {
    labelledRows: addCells(a.labelledRows, b.labelledRows),
    labelledWeights: addCells(a.labelledWeights, b.labelledWeights),
    labelledWeightsSquared: addCells(a.labelledWeightsSquared, b.labelledWeightsSquared),
    unlabelledReferred: a.unlabelledReferred + b.unlabelledReferred,
    unlabelledReleased: a.unlabelledReleased + b.unlabelledReleased,
  };
}

/** All decisions of the group. */
export function decisionTotal(c: DecisionCounts): number {
  const r = c.labelledRows;
  return r.truePositives + r.falsePositives + r.falseNegatives + r.trueNegatives + c.unlabelledReferred + c.unlabelledReleased;
}

/** Decisions the model recommended for referral (labelled or not). */
export function referralTotal(c: DecisionCounts): number {
  return c.labelledRows.truePositives + c.labelledRows.falsePositives + c.unlabelledReferred;
}

/** Labelled decisions. */
export function labelledTotal(c: DecisionCounts): number {
  const r = c.labelledRows;
  return r.truePositives + r.falsePositives + r.falseNegatives + r.trueNegatives;
}

const CELLS: readonly (keyof ConfusionCounts)[] = ['truePositives', 'falsePositives', 'falseNegatives', 'trueNegatives'];

/** Refuses counts that cannot come from decisions, naming the cell. */
export function checkDecisionCounts(c: DecisionCounts, what = 'decision counts'): void {
  for (const cell of CELLS) {
    const rows = c.labelledRows[cell];
    const weight = c.labelledWeights[cell];
    const squared = c.labelledWeightsSquared[cell];
    if (!(Number.isInteger(rows) && rows >= 0)) throw new RangeError(`${what}: labelledRows.${cell} must be an integer >= 0, got ${rows}`);
    if (!(weight >= 0 && Number.isFinite(weight))) throw new RangeError(`${what}: labelledWeights.${cell} must be a finite number >= 0, got ${weight}`);
    if (!(squared >= 0 && Number.isFinite(squared))) {
      throw new RangeError(`${what}: labelledWeightsSquared.${cell} must be a finite number >= 0, got ${squared}`);
    }
    if ((rows === 0) !== (weight === 0)) throw new RangeError(`${what}: ${cell} has ${rows} rows but weight ${weight}`);
  }
  for (const field of ['unlabelledReferred', 'unlabelledReleased'] as const) {
    if (!(Number.isInteger(c[field]) && c[field] >= 0)) throw new RangeError(`${what}: ${field} must be an integer >= 0, got ${c[field]}`);
  }
}

/** The six cells' row counts in a fixed order: TP, FP, FN, TN, unlabelled referred, unlabelled released. */
export function cellRows(c: DecisionCounts): Float64Array {
  const r = c.labelledRows;
  return Float64Array.of(r.truePositives, r.falsePositives, r.falseNegatives, r.trueNegatives, c.unlabelledReferred, c.unlabelledReleased);
}

/** Mean weight of the rows of each labelled cell (TP, FP, FN, TN); 0 for an empty cell. */
export function meanCellWeights(c: DecisionCounts, of: 'labelledWeights' | 'labelledWeightsSquared' = 'labelledWeights'): Float64Array {
  const r = c.labelledRows;
  const w = c[of];
  const mean = (weight: number, rows: number): number => (rows === 0 ? 0 : weight / rows);
  return Float64Array.of(
    mean(w.truePositives, r.truePositives),
    mean(w.falsePositives, r.falsePositives),
    mean(w.falseNegatives, r.falseNegatives),
    mean(w.trueNegatives, r.trueNegatives),
  );
}

/**
 * One bootstrap resample of the group from its counts: drawing its n decisions with replacement is
 * a Multinomial(n; cell rows / n) draw over the six cells. A resampled labelled cell keeps the mean
 * weight (and mean squared weight) of its rows, which is exact when the weights within a cell are
 * equal (one random-selection rate in the window) and otherwise replaces each drawn row's weight by
 * its cell's mean.
 */
export function resampleDecisionCounts(c: DecisionCounts, random: Random): DecisionCounts {
  const rows = cellRows(c);
  const n = decisionTotal(c);
  if (n === 0) return EMPTY_DECISION_COUNTS;
  const drawn = new Float64Array(6);
  multinomialDrawInto(n, rows, random, drawn);
  const w = meanCellWeights(c);
  const w2 = meanCellWeights(c, 'labelledWeightsSquared');
  const cellsOf = (d: ArrayLike<number>, scale: ArrayLike<number> | null): ConfusionCounts => ({
    truePositives: (d[0] as number) * (scale === null ? 1 : (scale[0] as number)),
    falsePositives: (d[1] as number) * (scale === null ? 1 : (scale[1] as number)),
    falseNegatives: (d[2] as number) * (scale === null ? 1 : (scale[2] as number)),
    trueNegatives: (d[3] as number) * (scale === null ? 1 : (scale[3] as number)),
  });
  return {
    labelledRows: cellsOf(drawn, null),
    labelledWeights: cellsOf(drawn, w),
    labelledWeightsSquared: cellsOf(drawn, w2),
    unlabelledReferred: drawn[4] as number,
    unlabelledReleased: drawn[5] as number,
  };
}
