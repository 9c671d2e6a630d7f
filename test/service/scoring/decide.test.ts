import { describe, expect, test } from 'vitest';
import { decide } from '../../../service/scoring/decide.ts';

describe('decide', () => {
  const rule = { score: 0.3, threshold: 0.3, randomDraw: 0.5, randomReferralRate: 0.005 };

  test('a score at the threshold is a model referral with propensity 1', () => {
    expect(decide(rule)).toEqual({
      recommendation: 'refer',
      selection: 'model',
      modelRecommendation: 'refer',
      randomlySelected: false,
      referralPropensity: 1,
    });
  });

  test('a score just below the threshold is released; its propensity is the random rate', () => {
    expect(decide({ ...rule, score: 0.2999 })).toEqual({
      recommendation: 'release',
      selection: 'none',
      modelRecommendation: 'release',
      randomlySelected: false,
      referralPropensity: 0.005,
    });
  });

  test('a draw below the rate selects at random, whatever the score', () => {
    const low = decide({ ...rule, score: 0.01, randomDraw: 0.0049 });
    expect(low).toMatchObject({ recommendation: 'refer', selection: 'random', modelRecommendation: 'release', randomlySelected: true });
    expect(low.referralPropensity).toBe(0.005);
    // The random sample includes crossings the model would refer anyway: it stays uniform over all crossings.
    const high = decide({ ...rule, score: 0.9, randomDraw: 0 });
    expect(high).toMatchObject({ recommendation: 'refer', selection: 'random', modelRecommendation: 'refer', randomlySelected: true });
    expect(high.referralPropensity).toBe(1);
  });

  test('a draw equal to the rate does not select (P(draw < rate) = rate for a uniform draw in [0, 1))', () => {
    expect(decide({ ...rule, score: 0, randomDraw: 0.005 }).randomlySelected).toBe(false);
  });

  test('rate 0 never selects; out-of-range draws and rates are refused', () => {
    expect(decide({ ...rule, score: 0, randomDraw: 0, randomReferralRate: 0 }).recommendation).toBe('release');
    expect(() => decide({ ...rule, randomDraw: 1 })).toThrow(/randomDraw must be in \[0, 1\)/);
    expect(() => decide({ ...rule, randomReferralRate: -0.1 })).toThrow(/randomReferralRate/);
  });
});
