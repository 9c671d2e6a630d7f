import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../lib/random.ts';
import { countDecision, createDecisionTally, decisionCountsFromConfusion, type DecisionCounts } from '../../metrics/decision-counts.ts';
import { wilsonInterval } from '../../metrics/intervals.ts';
import { postStratifyByRecommendation } from '../../metrics/label-coverage.ts';
import { hajekProportion, inversePropensityEstimates, type SelectiveLabelEstimates } from '../../metrics/selective-labels.ts';

/**
 * A population with known truth. Score s ~ U(0, 1); contraband with probability β·s; the model
 * refers s >= t. Then (integrals over s):
 *   prevalence          β/2
 *   FNR = P(s < t | y)  t²                 recall 1 − t²
 *   FPR = P(s >= t | ¬y) [(1 − t) − β(1 − t²)/2] / (1 − β/2)
 *   FOR = P(y | s < t)  β t / 2
 *   precision           β (1 + t) / 2
 * The service's policy: the model's referrals are inspected (weight 1); each crossing is also
 * randomly selected with probability r, and a selected crossing the model released is inspected
 * with weight 1/r. Every other release is unlabelled.
 */
const BETA = 0.2;
const T = 0.9;
const TRUTH = {
  prevalence: BETA / 2,
  falseNegativeRate: T * T,
  recall: 1 - T * T,
  falsePositiveRate: (1 - T - (BETA * (1 - T * T)) / 2) / (1 - BETA / 2),
  falseOmissionRate: (BETA * T) / 2,
  precision: (BETA * (1 + T)) / 2,
} as const;
type Estimated = keyof typeof TRUTH;
const ESTIMATED = Object.keys(TRUTH) as Estimated[];
const WITHIN_ONE_STRATUM: readonly Estimated[] = ['falseOmissionRate', 'precision'];
const ACROSS_STRATA: readonly Estimated[] = ['prevalence', 'recall', 'falseNegativeRate', 'falsePositiveRate'];

function simulate(random: Random, crossings: number, randomRate: (i: number) => number): DecisionCounts {
  const tally = createDecisionTally();
  for (let i = 0; i < crossings; i++) {
    const s = random.next();
    const rate = randomRate(i);
    // Outcomes are drawn only where an inspection reveals them (the rest are never looked at).
    if (s >= T) countDecision(tally, { predictedPositive: true, label: random.chance(BETA * s) ? 1 : 0, weight: 1 });
    else if (random.chance(rate)) countDecision(tally, { predictedPositive: false, label: random.chance(BETA * s) ? 1 : 0, weight: 1 / rate });
    else countDecision(tally, { predictedPositive: false, label: null });
  }
  return tally;
}

function coverage(seed: number, repetitions: number, crossings: number, randomRate: (i: number) => number): Record<Estimated, number> {
  const random = createRandom(seed);
  const covered = Object.fromEntries(ESTIMATED.map((k) => [k, 0])) as Record<Estimated, number>;
  for (let r = 0; r < repetitions; r++) {
    const estimates: SelectiveLabelEstimates = inversePropensityEstimates(simulate(random, crossings, randomRate));
    for (const k of ESTIMATED) {
      const interval = estimates[k].interval;
      if (interval !== null && interval.lower <= TRUTH[k] && TRUTH[k] <= interval.upper) covered[k]++;
    }
  }
  return Object.fromEntries(ESTIMATED.map((k) => [k, covered[k] / repetitions])) as Record<Estimated, number>;
}

describe('inverse-propensity estimates from the random selection', () => {
  it('puts the known truth inside each 95 % interval on one simulated month', () => {
    const counts = simulate(createRandom(2024), 100_000, () => 0.05);
    const estimates = inversePropensityEstimates(counts);
    for (const k of ESTIMATED) {
      const e = estimates[k];
      expect(e.value, k).not.toBeNull();
      expect(e.interval?.lower, k).toBeLessThanOrEqual(TRUTH[k]);
      expect(e.interval?.upper, k).toBeGreaterThanOrEqual(TRUTH[k]);
    }
    // Horvitz–Thompson total of positives ≈ prevalence × crossings: 10 000, of which 8 100 are misses
    // seen through the 5 % sample (~405 of them) at weight 20, so its sd is about √405 · 20 ≈ 400; allow 3 sd.
    expect(Math.abs((estimates.estimatedPositives as number) - TRUTH.prevalence * 100_000)).toBeLessThan(1250);
    // The naive hit rate among labelled rows is biased upward (model referrals are enriched): weighting matters.
    const rows = counts.labelledRows;
    const naivePrevalence = (rows.truePositives + rows.falseNegatives) / (rows.truePositives + rows.falsePositives + rows.falseNegatives + rows.trueNegatives);
    expect(naivePrevalence).toBeGreaterThan(TRUTH.prevalence * 1.3);
  });

  it('covers the truth about 95 % of the time over repeated populations', () => {
    // 250 populations of 10 000 crossings, 10 % randomly selected (~900 labelled releases, ~1 000
    // referrals). The sd of a coverage share at 95 % over 250 runs is 1.4 points.
    const rates = coverage(7, 250, 10_000, () => 0.1);
    for (const k of WITHIN_ONE_STRATUM) {
      expect(rates[k], k).toBeGreaterThan(0.91);
      expect(rates[k], k).toBeLessThan(0.99);
    }
    // Across strata the Šidák box is conservative by construction (measured 0.99-1.0 here).
    for (const k of ACROSS_STRATA) expect(rates[k], k).toBeGreaterThan(0.95);
  });

  it('still covers when the selection rate changes within the window (weights vary within a cell)', () => {
    // Over 2 000 repetitions this design covers 94–95 % for every estimate; 250 keep the test quick.
    const rates = coverage(8, 250, 10_000, (i) => (i < 5_000 ? 0.05 : 0.2));
    for (const k of WITHIN_ONE_STRATUM) {
      expect(rates[k], k).toBeGreaterThan(0.9);
      expect(rates[k], k).toBeLessThan(0.99);
    }
    for (const k of ACROSS_STRATA) expect(rates[k], k).toBeGreaterThan(0.95);
  });

  it('with weight 1 everywhere is the plain rate with its Wilson interval', () => {
    // COMPAS, African-American defendants: TP 1369, FP 805, FN 532, TN 990.
    const counts = decisionCountsFromConfusion({ truePositives: 1369, falsePositives: 805, falseNegatives: 532, trueNegatives: 990 });
    const estimates = inversePropensityEstimates(counts);
    // Within one stratum: the plain Wilson interval.
    const precision = estimates.precision;
    expect(precision.value).toBeCloseTo(1369 / 2174, 15);
    expect(precision.interval?.lower).toBeCloseTo(wilsonInterval(1369, 2174)!.lower, 12);
    expect(precision.interval?.upper).toBeCloseTo(wilsonInterval(1369, 2174)!.upper, 12);
    expect(estimates.falseOmissionRate.interval?.upper).toBeCloseTo(wilsonInterval(532, 1522)!.upper, 12);
    // Across strata, FPR = π(1 − p) / (π(1 − p) + (1 − π)(1 − q)) over the box of Wilson intervals at
    // 0.95^(1/3): largest at (π high, p low, q high), smallest at (π low, p high, q low).
    const fpr = estimates.falsePositiveRate;
    expect(fpr.value).toBeCloseTo(805 / 1795, 15);
    expect(fpr.rows).toBe(1795);
    const each = Math.cbrt(0.95);
    const share = wilsonInterval(2174, 3696, each)!;
    const p = wilsonInterval(1369, 2174, each)!;
    const q = wilsonInterval(532, 1522, each)!;
    const fprAt = (pi: number, precision: number, omission: number): number => (pi * (1 - precision)) / (pi * (1 - precision) + (1 - pi) * (1 - omission));
    expect(fpr.interval?.lower).toBeCloseTo(fprAt(share.lower, p.upper, q.lower), 12);
    expect(fpr.interval?.upper).toBeCloseTo(fprAt(share.upper, p.lower, q.upper), 12);
    // Wider than the single-sample Wilson interval of 805/1795, which ignores that the referred
    // share and the two strata's rates are each estimated.
    expect(fpr.interval!.lower).toBeLessThan(wilsonInterval(805, 1795)!.lower);
    expect(fpr.interval!.upper).toBeGreaterThan(wilsonInterval(805, 1795)!.upper);
  });

  it('does not read 100 % recall when the random selection has found no missed seizure yet', () => {
    // What a port sees at a 0.5 % selection rate and a base rate near 0.2 % (found by oversight
    // staff on simulated data whose true recall was 74 %): 1,504 model referrals, 1,085 with a result,
    // 94 seizures; 67,048 releases, 350 of them randomly selected and inspected, no seizure.
    const tally = createDecisionTally();
    for (let i = 0; i < 1085; i++) countDecision(tally, { predictedPositive: true, label: i < 94 ? 1 : 0 });
    tally.unlabelledReferred += 1504 - 1085;
    for (let i = 0; i < 350; i++) countDecision(tally, { predictedPositive: false, label: 0, weight: 200 });
    tally.unlabelledReleased += 67_048 - 350;
    const estimates = inversePropensityEstimates(postStratifyByRecommendation(tally));
    expect(estimates.recall.value).toBe(1);
    // Lowest at (π low, p low, q high): q's upper bound says up to ~1,000 seizures may have been missed.
    const each = Math.cbrt(0.95);
    const share = wilsonInterval(1504, 1504 + 67_048, each)!;
    const p = wilsonInterval(94, 1085, each)!;
    const q = wilsonInterval(0, 350, each)!;
    const lowest = (share.lower * p.lower) / (share.lower * p.lower + (1 - share.lower) * q.upper);
    expect(estimates.recall.interval?.lower).toBeCloseTo(lowest, 12);
    expect(lowest).toBeLessThan(0.15);
    expect(estimates.recall.interval?.upper).toBe(1);
    expect(estimates.falseNegativeRate.interval?.upper).toBeCloseTo(1 - lowest, 12);
    // Prevalence: at most (π p + (1 − π) q) at the box's top corner, far above the 94 / 68,552 found.
    expect(estimates.prevalence.interval!.upper).toBeGreaterThan(0.01);
  });

  it('covers the truth where seizures are rare and the selection small (where the linearization alone did not)', () => {
    // Base rate 0.2 %, the model refers the top 1 %, 0.5 % random selection, 70,000 crossings.
    const beta = 0.004;
    const threshold = 0.99;
    const truth = { recall: 1 - threshold * threshold, prevalence: beta / 2 };
    const random = createRandom(11);
    let covered = { recall: 0, prevalence: 0 };
    let linearizationCoveredRecall = 0;
    const repetitions = 200;
    for (let r = 0; r < repetitions; r++) {
      const tally = createDecisionTally();
      for (let i = 0; i < 70_000; i++) {
        const s = random.next();
        if (s >= threshold) countDecision(tally, { predictedPositive: true, label: random.chance(beta * s) ? 1 : 0 });
        else if (random.chance(0.005)) countDecision(tally, { predictedPositive: false, label: random.chance(beta * s) ? 1 : 0, weight: 200 });
        else countDecision(tally, { predictedPositive: false, label: null });
      }
      const counts = postStratifyByRecommendation(tally);
      const estimates = inversePropensityEstimates(counts);
      const inside = (interval: { lower: number; upper: number } | null, value: number): boolean => interval !== null && interval.lower <= value && value <= interval.upper;
      covered = {
        recall: covered.recall + (inside(estimates.recall.interval, truth.recall) ? 1 : 0),
        prevalence: covered.prevalence + (inside(estimates.prevalence.interval, truth.prevalence) ? 1 : 0),
      };
      if (inside(hajekProportion(counts, ['truePositives'], ['truePositives', 'falseNegatives']).interval, truth.recall)) linearizationCoveredRecall++;
    }
    expect(covered.recall / repetitions).toBeGreaterThan(0.95);
    expect(covered.prevalence / repetitions).toBeGreaterThan(0.93);
    // The linearization interval alone, which this replaced across strata: about half the time.
    expect(linearizationCoveredRecall / repetitions).toBeLessThan(0.6);
  });

  it('says nothing about misses when no release was sampled (positivity fails)', () => {
    const tally = createDecisionTally();
    for (let i = 0; i < 50; i++) countDecision(tally, { predictedPositive: true, label: i % 3 === 0 ? 1 : 0 });
    for (let i = 0; i < 500; i++) countDecision(tally, { predictedPositive: false, label: null });
    const estimates = inversePropensityEstimates(tally);
    expect(estimates.releasesSampled).toBe(false);
    expect(estimates.falseNegativeRate.value).toBeNull();
    expect(estimates.falsePositiveRate.value).toBeNull();
    expect(estimates.prevalence.value).toBeNull();
    expect(estimates.estimatedPositives).toBeNull();
    expect(estimates.precision.value).toBeCloseTo(17 / 50, 15);
    expect(estimates.referralsSampled).toBe(true);
  });

  it('says nothing about recall, FPR or prevalence while no model referral has an outcome yet', () => {
    // 50 model referrals, all pending; 1000 releases, of which 5 random selections (rate 0.005,
    // weight 200) have results: 1 seizure, 4 clean. TP and FP are unknown, not 0: recall would read
    // 0/(0 + 200) = 0 and FPR 0/(0 + 800) = 0, prevalence 200/1000 over releases only.
    const tally = createDecisionTally();
    for (let i = 0; i < 50; i++) countDecision(tally, { predictedPositive: true, label: null });
    for (let i = 0; i < 5; i++) countDecision(tally, { predictedPositive: false, label: i === 0 ? 1 : 0, weight: 200 });
    for (let i = 0; i < 995; i++) countDecision(tally, { predictedPositive: false, label: null });
    for (const estimates of [inversePropensityEstimates(tally), inversePropensityEstimates(postStratifyByRecommendation(tally))]) {
      expect(estimates.referralsSampled).toBe(false);
      expect(estimates.releasesSampled).toBe(true);
      for (const k of ['prevalence', 'recall', 'falseNegativeRate', 'falsePositiveRate', 'precision'] as const) {
        expect(estimates[k], k).toMatchObject({ value: null, interval: null });
      }
      expect(estimates.estimatedPositives).toBeNull();
      // FOR lies within the released stratum: 200 / 1000 (the 5 weights sum to the 1000 releases).
      expect(estimates.falseOmissionRate.value).toBeCloseTo(0.2, 15);
    }
    // One more referral, with a result, is enough to speak again: its FP of weight 1 post-stratified
    // to the 51 referrals (FP_w 51, TN_w 800), FPR = 51/851; recall 0/(0 + 200) = 0, now an estimate.
    countDecision(tally, { predictedPositive: true, label: 0 });
    const one = inversePropensityEstimates(postStratifyByRecommendation(tally));
    expect(one.referralsSampled).toBe(true);
    expect(one.falsePositiveRate.value).toBeCloseTo(51 / 851, 15);
    expect(one.recall.value).toBe(0);
  });
});
