import { expectedCalibrationError, reliabilityTable, type ReliabilitySums } from '../../metrics/calibration.ts';
import { DEFAULT_CONFIDENCE, wilsonInterval, type Interval } from '../../metrics/intervals.ts';
import { postStratifyByRecommendation } from '../../metrics/label-coverage.ts';
import { hajekProportion, inversePropensityEstimates, type SelectiveLabelEstimates } from '../../metrics/selective-labels.ts';
import { countOf, decisionCountsFrom } from './aggregate-counts.ts';
import { COUNT_CELL_OFFSET, DECISION_FIELD, type DecisionField } from './decision-cells.ts';
import { CALIBRATION_BINS, CALIBRATION_STATS } from './distribution-layout.ts';

/**
 * The performance report from summed aggregates (pure). Definitions:
 *
 *   referral rate          recommended referrals (model or random) / decisions
 *   hit rate, per route    seizures / inspections, for the model's referrals, random selections
 *                          and officers' own referrals (decision-cells.ts attributes them)
 *   label coverage         recommended referrals with an inspection result / recommended referrals
 *   prevalence, recall, FNR, FPR, FOR, precision
 *                          inverse-propensity (Hájek) estimates over usable labels
 *                          (metrics/selective-labels.ts): what the model misses, from the random
 *                          selection, as if every crossing had been inspected; weights
 *                          post-stratified by the model's recommendation so outcomes not yet
 *                          recorded do not shrink a stratum (metrics/label-coverage.ts); null,
 *                          not guessed, while a stratum with decisions has no label at all (no
 *                          random selection: releasesSampled false; no model referral with an
 *                          outcome yet: referralsSampled false)
 *   calibration            per score bin, mean predicted probability vs observed seizure rate over
 *                          usable labels, inverse-propensity weighted (so it describes all
 *                          crossings, not only the referred ones), with ECE
 *
 * Intervals: Wilson for counted proportions; for the inverse-propensity ones, Wilson with the
 * effective sample size within one stratum of the recommendation, and the Šidák box of the three
 * stratum estimates across both (metrics/selective-labels.ts stratifiedProportion).
 */

export interface Rate {
  readonly value: number | null;
  readonly numerator: number;
  readonly denominator: number;
  readonly interval: Interval | null;
}

export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  /** Usable labels in the bin. */
  readonly rows: number;
  /** Their summed inverse-propensity weight: the crossings they stand for. */
  readonly weight: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
  readonly interval: Interval | null;
}

export interface PerformanceFigures {
  readonly decisions: number;
  readonly meanScore: number | null;
  readonly referralRate: Rate;
  readonly modelReferralRate: Rate;
  readonly randomSelectionRate: Rate;
  readonly hitRates: RouteHitRates;
  readonly labelCoverage: Rate;
  readonly outcomeCoverage: Rate;
  readonly declinedReferrals: Rate;
  readonly officerReferrals: number;
  /** Σ 1 / random rate over random selections: the decisions the random sample stands for (≈ decisions). */
  readonly randomSampleStandsFor: number;
  readonly estimates: SelectiveLabelEstimates & { readonly labelledRows: number };
  readonly calibration: {
    readonly bins: readonly CalibrationBin[];
    readonly expectedCalibrationError: number | null;
    readonly rows: number;
  };
}

export function rate(numerator: number, denominator: number, confidence = DEFAULT_CONFIDENCE): Rate {
  const n = countOf(numerator);
  const d = countOf(denominator);
  return { value: d === 0 ? null : n / d, numerator: n, denominator: d, interval: d === 0 ? null : wilsonInterval(Math.min(n, d), d, confidence) };
}

export interface RouteHitRates {
  readonly model: Rate;
  readonly random: Rate;
  readonly officer: Rate;
}

/** Hit rate per referral route from summed decision cells (DECISION_FIELDS order). */
export function hitRatesOf(sums: ArrayLike<number>, confidence = DEFAULT_CONFIDENCE): RouteHitRates {
  const v = (field: DecisionField): number => sums[DECISION_FIELD[field]] as number;
  return {
    model: rate(v('seizures_model'), v('inspected_model'), confidence),
    random: rate(v('seizures_random'), v('inspected_random'), confidence),
    officer: rate(v('seizures_officer'), v('inspected_officer'), confidence),
  };
}

/** Calibration bins from the 60 calibration sums (distribution-layout.ts). */
export function calibrationFigures(sums: Float64Array, confidence = DEFAULT_CONFIDENCE): PerformanceFigures['calibration'] {
  const reliability: ReliabilitySums = {
    bins: CALIBRATION_BINS,
    count: new Float64Array(CALIBRATION_BINS),
    predicted: new Float64Array(CALIBRATION_BINS),
    observed: new Float64Array(CALIBRATION_BINS),
  };
  const bins: CalibrationBin[] = [];
  let totalRows = 0;
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    const at = b * CALIBRATION_STATS;
    const s = (i: number): number => sums[at + i] as number;
    const rows = countOf(s(0));
    if (rows === 0) continue;
    const weight = s(1);
    const observed = Math.min(Math.max(s(4), 0), weight);
    const observedSq = Math.min(Math.max(s(5), 0), s(2));
    reliability.count[b] = weight;
    reliability.predicted[b] = s(3);
    reliability.observed[b] = observed;
    // The observed rate is a Hájek ratio Σw·y / Σw: its interval comes from the same function as the
    // other weighted estimates, with the bin's positives as "hits" and its negatives as "misses".
    const estimate = hajekProportion(
      {
        labelledRows: { truePositives: 0, falsePositives: rows, falseNegatives: 0, trueNegatives: 0 },
        labelledWeights: { truePositives: observed, falsePositives: weight - observed, falseNegatives: 0, trueNegatives: 0 },
        labelledWeightsSquared: { truePositives: observedSq, falsePositives: s(2) - observedSq, falseNegatives: 0, trueNegatives: 0 },
      },
      ['truePositives'],
      ['truePositives', 'falsePositives'],
      confidence,
    );
    totalRows += rows;
    bins.push({
      lower: b / CALIBRATION_BINS,
      upper: (b + 1) / CALIBRATION_BINS,
      rows,
      weight,
      meanPredicted: s(3) / weight,
      observedRate: observed / weight,
      interval: estimate.interval,
    });
  }
  return { bins, expectedCalibrationError: expectedCalibrationError(reliabilityTable(reliability)), rows: totalRows };
}

/** The report's figures from summed decision cells (DECISION_FIELDS order) and calibration sums. */
export function performanceFigures(sums: Float64Array, calibration: Float64Array, confidence = DEFAULT_CONFIDENCE): PerformanceFigures {
  const v = (field: DecisionField): number => sums[DECISION_FIELD[field]] as number;
  const decisions = countOf(v('decisions'));
  const counts = decisionCountsFrom(sums, COUNT_CELL_OFFSET);
  const ipw = inversePropensityEstimates(postStratifyByRecommendation(counts), confidence);
  const r = counts.labelledRows;
  return {
    decisions,
    meanScore: decisions === 0 ? null : v('score_sum') / decisions,
    referralRate: rate(v('referrals'), decisions, confidence),
    modelReferralRate: rate(v('model_referrals'), decisions, confidence),
    randomSelectionRate: rate(v('random_selections'), decisions, confidence),
    hitRates: hitRatesOf(sums, confidence),
    labelCoverage: rate(v('referrals_inspected'), v('referrals'), confidence),
    outcomeCoverage: rate(v('referrals_with_outcome'), v('referrals'), confidence),
    declinedReferrals: rate(v('referrals_declined'), v('referrals_with_outcome'), confidence),
    officerReferrals: countOf(v('officer_referrals')),
    randomSampleStandsFor: Math.max(0, v('random_selection_weight')),
    estimates: {
      prevalence: ipw.prevalence,
      recall: ipw.recall,
      falseNegativeRate: ipw.falseNegativeRate,
      falsePositiveRate: ipw.falsePositiveRate,
      falseOmissionRate: ipw.falseOmissionRate,
      precision: ipw.precision,
      estimatedPositives: ipw.estimatedPositives,
      releasesSampled: ipw.releasesSampled,
      referralsSampled: ipw.referralsSampled,
      labelledRows: r.truePositives + r.falsePositives + r.falseNegatives + r.trueNegatives,
    },
    calibration: calibrationFigures(calibration, confidence),
  };
}
