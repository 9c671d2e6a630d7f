import type { ConfusionCounts } from './confusion.ts';
import { labelledTotal, type DecisionCounts } from './decision-counts.ts';
import { DEFAULT_CONFIDENCE, wilsonIntervalWithVariance, type Interval } from './intervals.ts';

/**
 * What the model misses, estimated from the crossings that were inspected although the model did
 * not ask for it (the random selection).
 *
 * Outcomes exist only for inspected crossings. The random selection inspects a uniform share of all
 * crossings, so each labelled row, weighted by w = 1 / P(inspected) (Horvitz & Thompson, JASA 47,
 * 1952), stands for w crossings; see decision-counts.ts for the weights under the service's policy.
 * Every quantity here is a ratio of two weighted sums over labelled cells — the Hájek estimator
 * (Hájek, 1971; Särndal, Swensson & Wretman, "Model Assisted Survey Sampling", 1992, §5.7), which
 * divides by the estimated rather than the (unknown) true count and so stays within [0, 1]:
 *
 *   prevalence = (TP_w + FN_w) / (TP_w + FP_w + FN_w + TN_w)
 *   recall     = TP_w / (TP_w + FN_w)          false-negative rate = FN_w / (TP_w + FN_w)
 *   false-positive rate = FP_w / (FP_w + TN_w)  false-omission rate = FN_w / (FN_w + TN_w)
 *   precision  = TP_w / (TP_w + FP_w)
 *
 * (X_w: the summed weights of cell X.) Outcomes not yet recorded are treated as missing at random
 * within their cell.
 *
 * Variance: the linearization (Taylor) variance of a ratio of weighted sums, rows treated as
 * independent draws (Särndal et al. §5.5):
 *
 *   v̂(R) = Σ_i w_i² (y_i − R)² / (Σ_i w_i)²   over the denominator's rows, y_i = 1 in the numerator
 *
 * which needs only each cell's Σw and Σw². The interval is Wilson's with the effective size
 * n* = R(1 − R) / v̂ (intervals.ts); with all weights 1 it is exactly the Wilson interval.
 *
 * Positivity: every estimate whose cells span a stratum of the model's recommendation needs labelled
 * rows in that stratum whenever the stratum has decisions; otherwise the formulas would silently
 * read the stratum as empty. So, rather than the nonsense the formulas would give, they are null:
 *   - no labelled predicted negative while released decisions exist (no random selection in the
 *     window): nothing can be said about what the model misses — prevalence, recall, FNR, FPR and
 *     FOR are null (`releasesSampled` false);
 *   - no labelled predicted positive while model referrals exist (none of them has an outcome yet):
 *     TP and FP are unknown, not 0 — prevalence, recall, FNR, FPR and precision are null
 *     (`referralsSampled` false). FOR, which lies within the released stratum, stays.
 */

export interface ProportionEstimate {
  /** null when the denominator is empty (or positivity fails, see above). */
  readonly value: number | null;
  readonly interval: Interval | null;
  /** Labelled rows in the denominator. */
  readonly rows: number;
  /** Their summed weight: how many decisions the denominator stands for. */
  readonly weight: number;
}

export interface SelectiveLabelEstimates {
  readonly prevalence: ProportionEstimate;
  readonly recall: ProportionEstimate;
  readonly falseNegativeRate: ProportionEstimate;
  readonly falsePositiveRate: ProportionEstimate;
  readonly falseOmissionRate: ProportionEstimate;
  readonly precision: ProportionEstimate;
  /** Horvitz–Thompson estimate of the positive decisions (TP_w + FN_w). */
  readonly estimatedPositives: number | null;
  /** False when released decisions exist but none of them is labelled (see positivity above). */
  readonly releasesSampled: boolean;
  /** False when the model recommended referrals but none of them is labelled yet (see positivity above). */
  readonly referralsSampled: boolean;
}

type Cell = keyof ConfusionCounts;

/**
 * The Hájek ratio Σ_{numerator cells} w / Σ_{denominator cells} w with its Wilson interval
 * (numerator cells must be among the denominator cells).
 */
export function hajekProportion(
  counts: Pick<DecisionCounts, 'labelledRows' | 'labelledWeights' | 'labelledWeightsSquared'>,
  numerator: readonly Cell[],
  denominator: readonly Cell[],
  confidence = DEFAULT_CONFIDENCE,
): ProportionEstimate {
  let rows = 0;
  let weight = 0;
  let squared = 0;
  let numeratorWeight = 0;
  let numeratorSquared = 0;
  for (const cell of denominator) {
    rows += counts.labelledRows[cell];
    weight += counts.labelledWeights[cell];
    squared += counts.labelledWeightsSquared[cell];
    if (numerator.includes(cell)) {
      numeratorWeight += counts.labelledWeights[cell];
      numeratorSquared += counts.labelledWeightsSquared[cell];
    }
  }
  if (weight === 0) return { value: null, interval: null, rows, weight };
  const r = Math.min(1, numeratorWeight / weight);
  const variance = (numeratorSquared * (1 - r) ** 2 + (squared - numeratorSquared) * r * r) / (weight * weight);
  const kishSize = (weight * weight) / squared;
  return { value: r, interval: wilsonIntervalWithVariance(r, variance, kishSize, confidence), rows, weight };
}

const ALL: readonly Cell[] = ['truePositives', 'falsePositives', 'falseNegatives', 'trueNegatives'];

/** Whether the released decisions are represented among the labelled rows at all. */
export function releasesSampled(counts: DecisionCounts): boolean {
  return counts.unlabelledReleased === 0 || counts.labelledRows.falseNegatives + counts.labelledRows.trueNegatives > 0;
}

/** Whether the model's referrals are represented among the labelled rows at all. */
export function referralsSampled(counts: DecisionCounts): boolean {
  return counts.unlabelledReferred === 0 || counts.labelledRows.truePositives + counts.labelledRows.falsePositives > 0;
}

/** The strata of the model's recommendation an estimate's cells span (see positivity above). */
interface Needs {
  readonly referred: boolean;
  readonly released: boolean;
}

const BOTH: Needs = { referred: true, released: true };

export function inversePropensityEstimates(counts: DecisionCounts, confidence = DEFAULT_CONFIDENCE): SelectiveLabelEstimates {
  const released = releasesSampled(counts) && labelledTotal(counts) > 0;
  const referred = referralsSampled(counts);
  const estimate = (numerator: readonly Cell[], denominator: readonly Cell[], needs: Needs): ProportionEstimate => {
    const e = hajekProportion(counts, numerator, denominator, confidence);
    const usable = (!needs.released || released) && (!needs.referred || referred);
    return usable ? e : { ...e, value: null, interval: null };
  };
  const w = counts.labelledWeights;
  return {
    prevalence: estimate(['truePositives', 'falseNegatives'], ALL, BOTH),
    recall: estimate(['truePositives'], ['truePositives', 'falseNegatives'], BOTH),
    falseNegativeRate: estimate(['falseNegatives'], ['truePositives', 'falseNegatives'], BOTH),
    falsePositiveRate: estimate(['falsePositives'], ['falsePositives', 'trueNegatives'], BOTH),
    falseOmissionRate: estimate(['falseNegatives'], ['falseNegatives', 'trueNegatives'], { referred: false, released: true }),
    precision: estimate(['truePositives'], ['truePositives', 'falsePositives'], { referred: true, released: false }),
    estimatedPositives: released && referred ? w.truePositives + w.falseNegatives : null,
    releasesSampled: released,
    referralsSampled: referred,
  };
}
