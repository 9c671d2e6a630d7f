/**
 * Confusion counts and the rates read off them.
 *
 * Vocabulary (positive = referred by the model / predicted positive; label 1 = the inspection
 * found contraband):
 *
 *                      label 1               label 0
 *   predicted 1        TP (hit)              FP
 *   predicted 0        FN                    TN
 *
 * Every rate is a ratio of sums of these cells and is null (never NaN) when its denominator is 0.
 * Counts may be weighted (sums of per-row weights, as scikit-learn's `sample_weight`), so they are
 * numbers, not integers. Names and definitions follow the Aequitas bias-audit toolkit (Saleiro et
 * al., "Aequitas: A Bias and Fairness Audit Toolkit", 2018) and scikit-learn's `metrics`.
 */
export interface ConfusionCounts {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
}

export const EMPTY_CONFUSION: ConfusionCounts = Object.freeze({ truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0 });

/** numerator / denominator, or null when the denominator is 0. */
export function ratioOrNull(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function checkBinary(name: string, values: ArrayLike<number | boolean>, i: number): boolean {
  const v = values[i];
  if (v === true || v === 1) return true;
  if (v === false || v === 0) return false;
  throw new RangeError(`${name}[${i}] must be 0 or 1, got ${String(v)}`);
}

/**
 * Confusion counts of binary labels against binary predictions, each row weighing `weights[i]`
 * (default 1).
 */
export function confusionCounts(
  labels: ArrayLike<number | boolean>,
  predictions: ArrayLike<number | boolean>,
  weights?: ArrayLike<number>,
): ConfusionCounts {
  if (predictions.length !== labels.length) {
    throw new RangeError(`predictions has ${predictions.length} values, labels has ${labels.length}`);
  }
  if (weights !== undefined && weights.length !== labels.length) {
    throw new RangeError(`weights has ${weights.length} values, labels has ${labels.length}`);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = checkBinary('labels', labels, i);
    const predicted = checkBinary('predictions', predictions, i);
    let w = 1;
    if (weights !== undefined) {
      w = weights[i] as number;
      if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`weights[${i}] must be a finite number >= 0, got ${w}`);
    }
    if (predicted) {
      if (label) tp += w;
      else fp += w;
    } else if (label) fn += w;
    else tn += w;
  }
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn };
}

export function addConfusionCounts(a: ConfusionCounts, b: ConfusionCounts): ConfusionCounts {
  return {
    truePositives: a.truePositives + b.truePositives,
    falsePositives: a.falsePositives + b.falsePositives,
    falseNegatives: a.falseNegatives + b.falseNegatives,
    trueNegatives: a.trueNegatives + b.trueNegatives,
  };
}

export function totalCount(c: ConfusionCounts): number {
  return c.truePositives + c.falsePositives + c.falseNegatives + c.trueNegatives;
}

/** Predicted positives: TP + FP (the referrals). */
export function predictedPositives(c: ConfusionCounts): number {
  return c.truePositives + c.falsePositives;
}

/** Actual positives: TP + FN. */
export function actualPositives(c: ConfusionCounts): number {
  return c.truePositives + c.falseNegatives;
}

/** Precision, positive predictive value, hit rate: TP / (TP + FP). */
export function precision(c: ConfusionCounts): number | null {
  return ratioOrNull(c.truePositives, c.truePositives + c.falsePositives);
}

/** Recall, true-positive rate, sensitivity: TP / (TP + FN). */
export function recall(c: ConfusionCounts): number | null {
  return ratioOrNull(c.truePositives, c.truePositives + c.falseNegatives);
}

/** False-positive rate: FP / (FP + TN), the share of negatives referred. */
export function falsePositiveRate(c: ConfusionCounts): number | null {
  return ratioOrNull(c.falsePositives, c.falsePositives + c.trueNegatives);
}

/** False-negative rate, miss rate: FN / (FN + TP) = 1 - recall. */
export function falseNegativeRate(c: ConfusionCounts): number | null {
  return ratioOrNull(c.falseNegatives, c.falseNegatives + c.truePositives);
}

/** False-omission rate: FN / (FN + TN), the share of released crossings that were positive. */
export function falseOmissionRate(c: ConfusionCounts): number | null {
  return ratioOrNull(c.falseNegatives, c.falseNegatives + c.trueNegatives);
}

/** False-discovery rate: FP / (FP + TP) = 1 - precision. */
export function falseDiscoveryRate(c: ConfusionCounts): number | null {
  return ratioOrNull(c.falsePositives, c.falsePositives + c.truePositives);
}

/** Predicted prevalence (Aequitas PPrev), the referral rate within the group: (TP + FP) / N. */
export function predictedPrevalence(c: ConfusionCounts): number | null {
  return ratioOrNull(predictedPositives(c), totalCount(c));
}

/**
 * Predicted positive rate (Aequitas PPR), the group's share of all referrals:
 * (TP + FP) of the group / (TP + FP) summed over all groups of the attribute.
 */
export function predictedPositiveRatio(c: ConfusionCounts, allPredictedPositives: number): number | null {
  return ratioOrNull(predictedPositives(c), allPredictedPositives);
}

/** Prevalence, base rate: (TP + FN) / N. */
export function prevalence(c: ConfusionCounts): number | null {
  return ratioOrNull(actualPositives(c), totalCount(c));
}

/** Accuracy: (TP + TN) / N. */
export function accuracy(c: ConfusionCounts): number | null {
  return ratioOrNull(c.truePositives + c.trueNegatives, totalCount(c));
}

export interface ConfusionRates {
  readonly count: number;
  readonly predictedPositives: number;
  readonly actualPositives: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly falsePositiveRate: number | null;
  readonly falseNegativeRate: number | null;
  readonly falseOmissionRate: number | null;
  readonly falseDiscoveryRate: number | null;
  readonly predictedPrevalence: number | null;
  /** Present when `allPredictedPositives` was given. */
  readonly predictedPositiveRatio?: number | null;
  readonly prevalence: number | null;
  readonly accuracy: number | null;
}

/** Every rate above at once. */
export function confusionRates(c: ConfusionCounts, allPredictedPositives?: number): ConfusionRates {
  return {
    count: totalCount(c),
    predictedPositives: predictedPositives(c),
    actualPositives: actualPositives(c),
    precision: precision(c),
    recall: recall(c),
    falsePositiveRate: falsePositiveRate(c),
    falseNegativeRate: falseNegativeRate(c),
    falseOmissionRate: falseOmissionRate(c),
    falseDiscoveryRate: falseDiscoveryRate(c),
    predictedPrevalence: predictedPrevalence(c),
    ...(allPredictedPositives === undefined ? {} : { predictedPositiveRatio: predictedPositiveRatio(c, allPredictedPositives) }),
    prevalence: prevalence(c),
    accuracy: accuracy(c),
  };
}
