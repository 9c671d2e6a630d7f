import type { Evaluation, GroupEvaluation } from '../models/model-card.ts';
import { expectedCalibrationError, reliabilitySums, reliabilityTable } from '../metrics/calibration.ts';
import { NOT_RECORDED } from '../metrics/age-band.ts';
import { confusionCounts, confusionRates } from '../metrics/confusion.ts';
import { aucRocFromRanked, averagePrecisionFromRanked, rankScores } from '../metrics/ranking.ts';
import { operatingPointAtReferralRate } from '../metrics/referral-rate.ts';
import { GROUP_ATTRIBUTES, type GroupAttribute } from './dataset-columns.ts';

/**
 * The model card's evaluation, from scores on evaluation rows, through the metrics/ functions
 * (one definition of each metric for training, `model:check`, monitoring and audits).
 * Weighted throughout: on recorded data a random referral's row stands for 1/selection
 * probability crossings, so the figures estimate all traffic rather than the inspected sample.
 */

/** The referral rates every card reports (0.5 %, 1 %, 2 %, 5 %). */
export const CARD_REFERRAL_RATES = [0.005, 0.01, 0.02, 0.05] as const;

export interface EvaluationRows {
  readonly labels: ArrayLike<number>;
  readonly weights: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
}

export function evaluateScores(rows: EvaluationRows, rates: readonly number[] = CARD_REFERRAL_RATES): Evaluation {
  const ranked = rankScores(rows.labels, rows.scores, rows.weights);
  const aucRoc = aucRocFromRanked(ranked);
  const aucPr = averagePrecisionFromRanked(ranked);
  if (aucRoc === null || aucPr === null) {
    throw new RangeError(
      `the evaluation rows need both classes: ${ranked.totalPositives} positive and ${ranked.totalNegatives} negative weight (more data, or a later holdout)`,
    );
  }
  const reliability = reliabilityTable(reliabilitySums(rows.labels, rows.scores, { weights: rows.weights }));
  return {
    rows: rows.scores.length,
    positives: ranked.totalPositives,
    aucRoc,
    aucPr,
    atReferralRates: rates.map((rate) => {
      const point = operatingPointAtReferralRate(ranked, rate);
      // Where the top tie group alone holds more than the rate nothing is referred: that operating
      // point does not exist, so it has no precision or recall (null, shown as a dash), not 0.
      const refersNothing = point.referredWeight === 0;
      return {
        referralRate: rate,
        achievedReferralRate: point.referralRate,
        threshold: point.threshold,
        precision: refersNothing ? null : point.precision,
        recall: refersNothing ? null : point.recall,
        referred: point.referred,
      };
    }),
    expectedCalibrationError: expectedCalibrationError(reliability) ?? 0,
    reliability,
  };
}

/** The card's decision: the threshold for a target referral rate, and what it achieves on the rows. */
export interface ReferralDecision {
  readonly threshold: number;
  readonly targetReferralRate: number;
  /** The (weighted) share of the rows scoring >= threshold: at most the target, 0 when the top tie group alone exceeds it. */
  readonly achievedReferralRate: number;
  /** Rows scoring >= threshold, and all rows. */
  readonly referredRows: number;
  readonly rows: number;
  /** The next score down, left out because taking its tied rows would pass the target; undefined when every row is referred. */
  readonly nextScore?: { readonly score: number; readonly rows: number; readonly share: number };
}

/**
 * The threshold that meets `rate` on the evaluation rows (metrics/referral-rate.ts: ties are never
 * split, so the achieved rate may be lower than the target, down to nothing).
 */
export function decisionAtReferralRate(rows: EvaluationRows, rate: number): ReferralDecision {
  const ranked = rankScores(rows.labels, rows.scores, rows.weights);
  const point = operatingPointAtReferralRate(ranked, rate);
  // The groups taken are the first ones in ranked order; the first group left out follows them.
  let taken = 0;
  while (taken < ranked.scores.length && ranked.scores[taken]! >= point.threshold) taken++;
  const total = ranked.totalPositives + ranked.totalNegatives;
  const next =
    taken < ranked.scores.length
      ? { score: ranked.scores[taken]!, rows: ranked.rows[taken]!, share: (ranked.positives[taken]! + ranked.negatives[taken]!) / total }
      : undefined;
  return {
    threshold: point.threshold,
    targetReferralRate: rate,
    achievedReferralRate: point.referralRate,
    referredRows: point.referred,
    rows: rows.scores.length,
    ...(next === undefined ? {} : { nextScore: next }),
  };
}

/**
 * Confusion-matrix metrics per audit group at `threshold` (refer when score >= threshold, the
 * service's rule): for each attribute, one entry per value seen, '' (not recorded) named as the
 * fairness monitoring names it (NOT_RECORDED).
 */
export function groupEvaluations(
  rows: EvaluationRows,
  groups: Readonly<Record<GroupAttribute, readonly string[]>>,
  threshold: number,
): GroupEvaluation[] {
  const n = rows.scores.length;
  const referred = new Uint8Array(n);
  for (let i = 0; i < n; i++) referred[i] = rows.scores[i]! >= threshold ? 1 : 0;
  const out: GroupEvaluation[] = [];
  for (const attribute of GROUP_ATTRIBUTES) {
    const values = groups[attribute];
    if (values.length !== n) throw new RangeError(`audit column ${attribute} has ${values.length} values for ${n} rows`);
    const members = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = values[i]!;
      let list = members.get(key);
      if (list === undefined) members.set(key, (list = []));
      list.push(i);
    }
    for (const [value, indices] of [...members].sort(([a], [b]) => a.localeCompare(b))) {
      const pick = <T extends ArrayLike<number>>(array: T): number[] => indices.map((i) => array[i]!);
      const counts = confusionCounts(pick(rows.labels), pick(referred), pick(rows.weights));
      const rates = confusionRates(counts);
      out.push({
        attribute,
        group: value === '' ? NOT_RECORDED : value,
        count: rates.count,
        positives: rates.actualPositives,
        referred: rates.predictedPositives,
        truePositives: counts.truePositives,
        falsePositives: counts.falsePositives,
        falseNegatives: counts.falseNegatives,
        trueNegatives: counts.trueNegatives,
        precision: rates.precision,
        recall: rates.recall,
        falsePositiveRate: rates.falsePositiveRate,
        falseNegativeRate: rates.falseNegativeRate,
        referralRate: rates.predictedPrevalence,
      });
    }
  }
  return out;
}
