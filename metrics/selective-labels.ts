import type { ConfusionCounts } from './confusion.ts';
import { labelledTotal, type DecisionCounts } from './decision-counts.ts';
import { DEFAULT_CONFIDENCE, wilsonInterval, wilsonIntervalWithVariance, type Interval } from './intervals.ts';

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
 * n* = R(1 − R) / v̂ (intervals.ts); with all weights 1 it is exactly the Wilson interval. That is
 * the interval of an estimate within one stratum of the model's recommendation: precision and FDR
 * (referred), false-omission rate (released).
 *
 * An estimate across both strata (prevalence, recall, false-negative and false-positive rates)
 * gets its interval from three that can each be trusted (stratifiedProportion below). Each of
 * these estimates is a function of the share π of decisions the model referred, the referred
 * stratum's precision p and the released stratum's false-omission rate q:
 *
 *   TP ∝ π·p   FP ∝ π·(1 − p)   FN ∝ (1 − π)·q   TN ∝ (1 − π)·(1 − q)     e.g. recall = π·p / (π·p + (1 − π)·q)
 *
 * π is a plain proportion of all decisions; p and q come from disjoint, independent samples (the
 * model's referrals; the random selection of released crossings). So Wilson intervals for each at
 * confidence c^(1/3) cover all three at once with probability c (Šidák), and a ratio of sums linear
 * in each of π, p and q takes its extremes over that box at its corners. The interval is
 * conservative (simulated: 96-100 % coverage at 95 %, 1.3-1.9 times the width of the
 * linearization interval where that one covers), and it holds where the linearization fails: when
 * the random selection has found no missed seizure yet (the usual case at a 0.5 % selection rate
 * and a base rate near 0.2 %), every labelled positive is a true positive, the linearization
 * variance is 0 and recall read 100 % with an interval like [96 %, 100 %] (simulated coverage of
 * the truth: 46 %). q's own interval, [0, 1.4 %] over 350 selections of 67,000 releases, says up to
 * 940 seizures may have been missed, so recall may be as low as 10 %: that is what the interval
 * now says (test/metrics/selective-labels.test.ts).
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

const REFERRED: readonly Cell[] = ['truePositives', 'falsePositives'];
const RELEASED: readonly Cell[] = ['falseNegatives', 'trueNegatives'];

/**
 * The Hájek ratio Σ_{numerator cells} w / Σ_{denominator cells} w with the interval its strata
 * allow (see the header): within one stratum of the model's recommendation, hajekProportion's;
 * across both, the range of the ratio over the corners of the box of the referred share π, the
 * referred stratum's precision p and the released stratum's false-omission rate q, each at
 * confidence c^(1/3). Each stratum's weights must sum to its size, as after
 * postStratifyByRecommendation (label-coverage.ts) or with every row labelled at weight 1.
 */
export function stratifiedProportion(
  counts: Pick<DecisionCounts, 'labelledRows' | 'labelledWeights' | 'labelledWeightsSquared'>,
  numerator: readonly Cell[],
  denominator: readonly Cell[],
  confidence = DEFAULT_CONFIDENCE,
): ProportionEstimate {
  const estimate = hajekProportion(counts, numerator, denominator, confidence);
  const w = counts.labelledWeights;
  const referredSize = w.truePositives + w.falsePositives;
  const releasedSize = w.falseNegatives + w.trueNegatives;
  const spansBoth = denominator.some((c) => REFERRED.includes(c)) && denominator.some((c) => RELEASED.includes(c));
  // With one stratum empty the ratio lies within the other: its own interval is the answer.
  if (estimate.value === null || !spansBoth || referredSize === 0 || releasedSize === 0) return estimate;
  const each = Math.cbrt(confidence);
  const share = wilsonInterval(referredSize, referredSize + releasedSize, each);
  const p = hajekProportion(counts, ['truePositives'], REFERRED, each).interval;
  const q = hajekProportion(counts, ['falseNegatives'], RELEASED, each).interval;
  if (share === null || p === null || q === null) return { ...estimate, interval: null };
  const corners: number[] = [];
  for (const referred of [share.lower, share.upper]) {
    for (const precision of [p.lower, p.upper]) {
      for (const omission of [q.lower, q.upper]) {
        const cells: Record<Cell, number> = {
          truePositives: referred * precision,
          falsePositives: referred * (1 - precision),
          falseNegatives: (1 - referred) * omission,
          trueNegatives: (1 - referred) * (1 - omission),
        };
        const sum = (of: readonly Cell[]): number => of.reduce((total, c) => total + cells[c], 0);
        corners.push(sum(numerator) / sum(denominator));
      }
    }
  }
  // A corner where the denominator vanishes (no positive at all there) bounds nothing.
  if (corners.some((r) => !Number.isFinite(r))) return { ...estimate, interval: { lower: 0, upper: 1 } };
  return { ...estimate, interval: { lower: Math.max(0, Math.min(...corners)), upper: Math.min(1, Math.max(...corners)) } };
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
    const e = stratifiedProportion(counts, numerator, denominator, confidence);
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
