import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { chiSquareSurvival, normalQuantile } from '../../metrics/distributions.ts';
import {
  bootstrapInterval,
  percentileInterval,
  quantileBySelection,
  quantileOfSorted,
  wilsonInterval,
  wilsonIntervalWithVariance,
} from '../../metrics/intervals.ts';

describe('Wilson score interval', () => {
  // Newcombe, "Two-sided confidence intervals for the single proportion: comparison of seven
  // methods", Statistics in Medicine 17 (1998), Table II, method 3 (score interval without
  // continuity correction), 95 %.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])("reproduces Newcombe's published %i/%i", (x, n, lower, upper) => {
    const interval = wilsonInterval(x, n);
    expect(interval?.lower).toBeCloseTo(lower, 4);
    expect(interval?.upper).toBeCloseTo(upper, 4);
  });

  it('bounds none or all successes by exactly 0 or 1 (the formula leaves a residue such as 2.8e-17)', () => {
    for (const n of [1, 7, 350, 1095]) {
      expect(wilsonInterval(0, n)?.lower).toBe(0);
      expect(wilsonInterval(n, n)?.upper).toBe(1);
    }
  });

  it('is null for no trials, and refuses successes above trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(5, 4)).toThrow('successes must be in [0, trials], got 5 of 4');
  });

  it('equals Wilson when the variance is the binomial one', () => {
    const p = 30 / 120;
    const viaVariance = wilsonIntervalWithVariance(p, (p * (1 - p)) / 120, 120);
    const direct = wilsonInterval(30, 120);
    expect(viaVariance?.lower).toBeCloseTo(direct?.lower as number, 12);
    expect(viaVariance?.upper).toBeCloseTo(direct?.upper as number, 12);
  });
});

describe('distributions', () => {
  it('normal quantiles to full precision', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 13);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 13);
  });

  it('chi-square survival at the 5 % critical values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(11.07049769351635, 5)).toBeCloseTo(0.05, 12);
  });
});

describe('percentile bootstrap', () => {
  it('takes type-7 quantiles', () => {
    expect(quantileOfSorted([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    const interval = percentileInterval(Array.from({ length: 101 }, (_, i) => i), 0.9);
    expect(interval?.lower).toBeCloseTo(5, 12);
    expect(interval?.upper).toBeCloseTo(95, 12);
  });

  it('selects the same quantiles as sorting does, ties included', () => {
    const random = createRandom(3);
    for (let t = 0; t < 3000; t++) {
      const values = Float64Array.from({ length: 1 + random.int(60) }, () => (random.chance(0.5) ? random.int(5) : random.next()));
      const q = random.chance(0.2) ? random.pick([0, 1, 0.025, 0.975]) : random.next();
      expect(quantileBySelection(Float64Array.from(values), q)).toBeCloseTo(quantileOfSorted(Float64Array.from(values).sort(), q), 12);
    }
  });

  it('leaves out undefined replicates, and gives up when more than 5 % are undefined', () => {
    const values = [...Array.from({ length: 97 }, (_, i) => i), null, null, Number.NaN];
    expect(percentileInterval(values)).not.toBeNull();
    expect(percentileInterval([...values, null, null, null])).toBeNull();
  });

  it('covers the mean of a normal sample about as often as stated', () => {
    const random = createRandom(99);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const sample = Array.from({ length: 40 }, () => random.normal());
      const interval = bootstrapInterval(
        (r) => {
          let sum = 0;
          for (let i = 0; i < sample.length; i++) sum += sample[r.int(sample.length)] as number;
          return sum / sample.length;
        },
        random,
        { replicates: 300 },
      );
      if (interval !== null && interval.lower <= 0 && interval.upper >= 0) covered++;
    }
    // The percentile interval runs a little narrow at n = 40; 95 % nominal.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });
});
