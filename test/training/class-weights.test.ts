import { describe, expect, it } from 'vitest';
import { classWeightedSampleWeights } from '../../training/class-weights.ts';

describe('classWeightedSampleWeights', () => {
  // 1 positive and 4 negatives; the last negative is a random referral with selection probability 1/2.
  const labels = [1, 0, 0, 0, 0];
  const rowWeights = [1, 1, 1, 1, 2];

  it('balanced: positives weigh as much as negatives, inverse-propensity weights multiplied in, mean 1', () => {
    const { positiveFactor, weights } = classWeightedSampleWeights(labels, rowWeights, 'balanced');
    // W₋ = 1 + 1 + 1 + 2 = 5, W₊ = 1 → factor 5; total 10 over 5 rows → scale 0.5.
    expect(positiveFactor).toBe(5);
    expect(Array.from(weights)).toEqual([2.5, 0.5, 0.5, 0.5, 1]);
  });

  it('sqrt: the square root of the ratio', () => {
    const { positiveFactor, weights } = classWeightedSampleWeights(labels, rowWeights, 'sqrt');
    expect(positiveFactor).toBeCloseTo(Math.sqrt(5), 12);
    const scale = 5 / (5 + Math.sqrt(5));
    expect(weights[0]).toBeCloseTo(Math.sqrt(5) * scale, 6);
    expect(weights[4]).toBeCloseTo(2 * scale, 6);
  });

  it('none: only the row weights, scaled to mean 1', () => {
    const { weights } = classWeightedSampleWeights(labels, rowWeights, 'none');
    expect(Array.from(weights)).toEqual([5 / 6, 5 / 6, 5 / 6, 5 / 6, 10 / 6].map(Math.fround));
  });

  it('refuses data without both classes and negative weights', () => {
    expect(() => classWeightedSampleWeights([0, 0], [1, 1], 'balanced')).toThrow(/no positive rows/);
    expect(() => classWeightedSampleWeights([1, 1], [1, 1], 'balanced')).toThrow(/no negative rows/);
    expect(() => classWeightedSampleWeights([1, 0], [1, -1], 'balanced')).toThrow(/row 1: weight/);
  });
});
