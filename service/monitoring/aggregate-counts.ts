import type { ConfusionCounts } from '../../metrics/confusion.ts';
import type { DecisionCounts } from '../../metrics/decision-counts.ts';

/**
 * Summed aggregate cells as the metric functions take them. Sums of contributions that were added
 * and later subtracted (corrections) can leave float residue such as 1e-13 where the exact answer
 * is 0; rows are integers and a cell without rows has no weight, so both are restored here.
 */

const clean = (v: number): number => (v > 1e-9 ? v : 0);

/** DecisionCounts from 14 values in COUNT_CELL_FIELDS order, starting at `offset`. */
export function decisionCountsFrom(values: ArrayLike<number>, offset = 0): DecisionCounts {
  const at = (i: number): number => values[offset + i] as number;
  const rows = [0, 1, 2, 3].map((i) => Math.round(clean(at(i))));
  const cells = (base: number): ConfusionCounts => {
    const v = [0, 1, 2, 3].map((i) => (rows[i] === 0 ? 0 : clean(at(base + i))));
    return { truePositives: v[0] as number, falsePositives: v[1] as number, falseNegatives: v[2] as number, trueNegatives: v[3] as number };
  };
  return {
    labelledRows: { truePositives: rows[0] as number, falsePositives: rows[1] as number, falseNegatives: rows[2] as number, trueNegatives: rows[3] as number },
    labelledWeights: cells(4),
    labelledWeightsSquared: cells(8),
    unlabelledReferred: Math.round(clean(at(12))),
    unlabelledReleased: Math.round(clean(at(13))),
  };
}

/** A count field: an integer >= 0. */
export function countOf(value: number): number {
  return Math.round(clean(value));
}
