import { rankScores, type RankedScores } from './ranking.ts';
import { ratioOrNull } from './confusion.ts';

/**
 * Operating points chosen by referral rate: "refer the top 1 % of crossings".
 *
 * Rule (the service's: refer when score >= threshold). For a target rate r, the threshold is the
 * lowest score t present in the data such that the (weighted) share of rows scoring >= t is at most
 * r. Rows tied at t are all referred or none is — a tie is never split — so the achieved rate can
 * fall short of r when many rows share a score, and is reported beside the threshold. When even the
 * highest score alone holds more than r of the rows, nothing can be referred within the rate: the
 * threshold is then the smallest double above the highest score, and the achieved rate is 0.
 *
 * The rate is a share of the summed weights (of rows, without weights); `referred` also counts rows.
 */

export interface ReferralRateOperatingPoint {
  readonly targetReferralRate: number;
  readonly threshold: number;
  /** Achieved (weighted) share of rows with score >= threshold; <= the target. */
  readonly referralRate: number;
  /** Rows with score >= threshold. */
  readonly referred: number;
  /** Their summed weight. */
  readonly referredWeight: number;
  readonly truePositives: number;
  /** TP / referred weight; null when nothing is referred. */
  readonly precision: number | null;
  /** TP / all positives; null when there are no positives. */
  readonly recall: number | null;
}

/** The smallest double greater than x (Math.nextUp in Java). */
export function nextDoubleAbove(x: number): number {
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

function checkRate(rate: number): void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`referral rate must be in [0, 1], got ${rate}`);
}

/** Relative slack so that, e.g., 10 rows of 1000 meet a 1 % rate despite 0.01 * 1000 rounding. */
const RATE_TOLERANCE = 1e-9;

/** The operating point for one target rate on already-ranked scores. */
export function operatingPointAtReferralRate(ranked: RankedScores, targetReferralRate: number): ReferralRateOperatingPoint {
  checkRate(targetReferralRate);
  const total = ranked.totalPositives + ranked.totalNegatives;
  if (ranked.scores.length === 0 || total === 0) throw new RangeError('cannot choose a threshold without scored rows of positive weight');
  const allowed = targetReferralRate * total * (1 + RATE_TOLERANCE);
  let weight = 0;
  let rows = 0;
  let tp = 0;
  let groups = 0;
  for (let g = 0; g < ranked.scores.length; g++) {
    const w = (ranked.positives[g] as number) + (ranked.negatives[g] as number);
    if (weight + w > allowed) break;
    weight += w;
    rows += ranked.rows[g] as number;
    tp += ranked.positives[g] as number;
    groups = g + 1;
  }
  const threshold = groups === 0 ? nextDoubleAbove(ranked.scores[0] as number) : (ranked.scores[groups - 1] as number);
  return {
    targetReferralRate,
    threshold,
    referralRate: weight / total,
    referred: rows,
    referredWeight: weight,
    truePositives: tp,
    precision: ratioOrNull(tp, weight),
    recall: ratioOrNull(tp, ranked.totalPositives),
  };
}

/** Operating points at several rates, ranking once (e.g. the model card's 0.5 %, 1 %, 2 %, 5 %). */
export function operatingPointsAtReferralRates(
  labels: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  rates: readonly number[],
  weights?: ArrayLike<number>,
): ReferralRateOperatingPoint[] {
  const ranked = rankScores(labels, scores, weights);
  return rates.map((rate) => operatingPointAtReferralRate(ranked, rate));
}

/** The threshold meeting a referral rate, from scores alone (no labels needed). */
export function thresholdForReferralRate(scores: ArrayLike<number>, rate: number, weights?: ArrayLike<number>): number {
  return operatingPointAtReferralRate(rankScores(new Uint8Array(scores.length), scores, weights), rate).threshold;
}

/** Precision (hit rate) when referring at most `rate` of the rows, ties as above. */
export function precisionAtReferralRate(
  labels: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  rate: number,
  weights?: ArrayLike<number>,
): number | null {
  return operatingPointAtReferralRate(rankScores(labels, scores, weights), rate).precision;
}

/** Recall (share of positives referred) when referring at most `rate` of the rows, ties as above. */
export function recallAtReferralRate(
  labels: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  rate: number,
  weights?: ArrayLike<number>,
): number | null {
  return operatingPointAtReferralRate(rankScores(labels, scores, weights), rate).recall;
}
