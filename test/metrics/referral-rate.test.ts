import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import {
  nextDoubleAbove,
  operatingPointsAtReferralRates,
  precisionAtReferralRate,
  recallAtReferralRate,
  thresholdForReferralRate,
} from '../../metrics/referral-rate.ts';

// Ten rows, a tie at 0.8:
//   score  0.9  0.8  0.8  0.7  0.6  0.5  0.4  0.3  0.2  0.1
//   label   1    0    1    0    1    0    0    0    0    0        (3 positives)
const scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
const labels = [1, 0, 1, 0, 1, 0, 0, 0, 0, 0];

describe('operating points at a referral rate', () => {
  it('refers the top rows up to the rate', () => {
    // 10 %: one row (0.9, a hit). 30 %: 0.9 and both 0.8 rows → 2 hits of 3 referred, 2 of 3 positives.
    const [ten, thirty] = operatingPointsAtReferralRates(labels, scores, [0.1, 0.3]);
    expect(ten).toMatchObject({ threshold: 0.9, referred: 1, referralRate: 0.1, precision: 1, recall: 1 / 3 });
    expect(thirty).toMatchObject({ threshold: 0.8, referred: 3, referralRate: 0.3, truePositives: 2 });
    expect(thirty?.precision).toBeCloseTo(2 / 3, 15);
    expect(precisionAtReferralRate(labels, scores, 0.3)).toBeCloseTo(2 / 3, 15);
    expect(recallAtReferralRate(labels, scores, 0.3)).toBeCloseTo(2 / 3, 15);
  });

  it('never splits a tie: 20 % would need half of the 0.8 pair, so only the 0.9 row is referred', () => {
    const [twenty] = operatingPointsAtReferralRates(labels, scores, [0.2]);
    expect(twenty).toMatchObject({ targetReferralRate: 0.2, threshold: 0.9, referred: 1, referralRate: 0.1 });
    expect(thresholdForReferralRate(scores, 0.2)).toBe(0.9);
    expect(thresholdForReferralRate(scores, 0.3)).toBe(0.8);
  });

  it('refers everything at rate 1 and nothing at rate 0 (threshold just above the top score)', () => {
    const [none, all] = operatingPointsAtReferralRates(labels, scores, [0, 1]);
    expect(all).toMatchObject({ threshold: 0.1, referred: 10, referralRate: 1, precision: 0.3, recall: 1 });
    expect(none).toMatchObject({ referred: 0, referralRate: 0, precision: null, recall: 0 });
    expect(none?.threshold).toBe(nextDoubleAbove(0.9));
    expect(none?.threshold).toBeGreaterThan(0.9);
    // When the top score alone holds more than the rate, nothing is referred either.
    expect(thresholdForReferralRate([0.5, 0.5, 0.5, 0.5], 0.5)).toBe(nextDoubleAbove(0.5));
  });

  it('measures the rate in weights when rows are weighted', () => {
    // Weight 3 on the 0.9 row: total 12. 25 % = 3: the 0.9 row exactly; adding 0.8 (weight 2) would exceed.
    const weights = [3, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const [point] = operatingPointsAtReferralRates(labels, scores, [0.25], weights);
    expect(point).toMatchObject({ threshold: 0.9, referred: 1, referredWeight: 3, referralRate: 0.25, precision: 1 });
    expect(point?.recall).toBeCloseTo(3 / 5, 15); // positive weight 3 + 1 + 1
  });

  it('on random data: the achieved rate is within the target and the next score would break it', () => {
    const random = createRandom(11);
    const n = 5000;
    const s = Array.from({ length: n }, () => Math.round(random.next() * 1000) / 1000);
    for (const rate of [0.005, 0.01, 0.02, 0.05]) {
      const t = thresholdForReferralRate(s, rate);
      const referred = s.filter((v) => v >= t).length;
      expect(referred).toBeLessThanOrEqual(rate * n);
      const next = Math.max(...s.filter((v) => v < t));
      expect(s.filter((v) => v >= next).length).toBeGreaterThan(rate * n);
    }
  });

  it('refuses a rate outside [0, 1]', () => {
    expect(() => thresholdForReferralRate(scores, 1.5)).toThrow('referral rate must be in [0, 1], got 1.5');
  });
});
