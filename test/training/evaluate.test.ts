import { describe, expect, it } from 'vitest';
import { nextDoubleAbove } from '../../metrics/referral-rate.ts';
import { decisionAtReferralRate, evaluateScores } from '../../training/evaluate.ts';

/**
 * The card's operating points when tied scores cannot be split: the achieved rate is reported
 * beside the target, and a rate the top tie group alone exceeds refers nothing and has no
 * precision or recall (null), never 0.
 */

// Ten rows: two seizures tied at the top score 0.9, eight clear rows at 0.1.
const TIED_TOP = {
  labels: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  weights: new Array<number>(10).fill(1),
  scores: [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
};

describe('operating points at referral rates', () => {
  it('reports no precision or recall where the top tie group alone exceeds the rate', () => {
    const [atTen, atTwenty] = evaluateScores(TIED_TOP, [0.1, 0.2]).atReferralRates;
    // 10 %: one row allowed, the tie holds two: nothing is referred.
    expect(atTen).toEqual({ referralRate: 0.1, achievedReferralRate: 0, threshold: nextDoubleAbove(0.9), precision: null, recall: null, referred: 0 });
    // 20 %: both tied rows fit: 2 of 2 referred are seizures, 2 of 2 seizures are found.
    expect(atTwenty).toEqual({ referralRate: 0.2, achievedReferralRate: 0.2, threshold: 0.9, precision: 1, recall: 1, referred: 2 });
  });

  it('reports the weighted rate achieved when a tie stops short of the target', () => {
    // Scores 0.9 (seizure), 0.8 ×3 (one seizure), 0.1 ×6, all weight 1. At 25 %: the 0.9 row (10 %)
    // fits, the three 0.8 rows would make 40 %: 10 % achieved, precision 1/1, recall 1/2.
    const rows = { labels: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0], weights: new Array<number>(10).fill(1), scores: [0.9, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1] };
    const [point] = evaluateScores(rows, [0.25]).atReferralRates;
    expect(point).toEqual({ referralRate: 0.25, achievedReferralRate: 0.1, threshold: 0.9, precision: 1, recall: 0.5, referred: 1 });
    // Weighted: the 0.1 rows are random selections standing for 4 crossings each (W = 28). At
    // 25 % (7): 0.9 (1) and the 0.8 tie (3) fit, 4/28 = 1/7 achieved; precision 2/4, recall 2/2.
    const weighted = evaluateScores({ ...rows, weights: [1, 1, 1, 1, 4, 4, 4, 4, 4, 4] }, [0.25]).atReferralRates[0]!;
    expect(weighted).toMatchObject({ achievedReferralRate: 4 / 28, threshold: 0.8, precision: 0.5, recall: 1, referred: 4 });
  });
});

describe('the card decision', () => {
  it('names the threshold, the rate achieved and the tie left out', () => {
    expect(decisionAtReferralRate(TIED_TOP, 0.1)).toEqual({
      threshold: nextDoubleAbove(0.9),
      targetReferralRate: 0.1,
      achievedReferralRate: 0,
      referredRows: 0,
      rows: 10,
      nextScore: { score: 0.9, rows: 2, share: 0.2 },
    });
    // 20 %: the 0.9 tie is taken; the 0.1 group (8 rows, 80 %) is left out.
    expect(decisionAtReferralRate(TIED_TOP, 0.2)).toMatchObject({ threshold: 0.9, achievedReferralRate: 0.2, referredRows: 2, nextScore: { score: 0.1, rows: 8, share: 0.8 } });
  });

  it('has no next score when every row is referred', () => {
    const decision = decisionAtReferralRate({ labels: [1, 0], weights: [1, 1], scores: [0.7, 0.7] }, 1);
    expect(decision).toEqual({ threshold: 0.7, targetReferralRate: 1, achievedReferralRate: 1, referredRows: 2, rows: 2 });
  });
});
