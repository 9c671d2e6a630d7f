import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { binomialDraw, multinomialDraw } from '../../metrics/binomial-sampling.ts';
import { chiSquareSurvival, logGamma } from '../../metrics/distributions.ts';

function binomialPmf(n: number, p: number, k: number): number {
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** Pearson goodness of fit of draws against the exact pmf, pooling tails with expected count < 5. */
function goodnessOfFit(n: number, p: number, draws: number, seed: number): number {
  const random = createRandom(seed);
  const observed = new Map<number, number>();
  for (let i = 0; i < draws; i++) {
    const k = binomialDraw(n, p, random);
    observed.set(k, (observed.get(k) ?? 0) + 1);
  }
  let statistic = 0;
  let cells = 0;
  let pooledExpected = 0;
  let pooledObserved = 0;
  for (let k = 0; k <= n; k++) {
    const expected = draws * binomialPmf(n, p, k);
    const seen = observed.get(k) ?? 0;
    if (expected < 5) {
      pooledExpected += expected;
      pooledObserved += seen;
      continue;
    }
    statistic += (seen - expected) ** 2 / expected;
    cells++;
  }
  if (pooledExpected > 0) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
    cells++;
  }
  return chiSquareSurvival(statistic, cells - 1);
}

describe('binomial draws', () => {
  it.each([
    [20, 0.1, 'inversion'],
    [30, 0.2, 'inversion'],
    [200, 0.3, 'BTRS'],
    [1000, 0.05, 'BTRS'],
    [60, 0.85, 'BTRS on 1 − p'],
  ])('Binomial(%i, %f) (%s) fits the exact distribution', (n, p) => {
    expect(goodnessOfFit(n, p, 40_000, n)).toBeGreaterThan(0.001);
  });

  it('has the mean and variance of Binomial(10 000 000, 0.01)', () => {
    const random = createRandom(4);
    const n = 10_000_000;
    const p = 0.01;
    const draws = Array.from({ length: 20_000 }, () => binomialDraw(n, p, random));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1);
    // mean n·p = 100 000, sd of the mean √(n p q / 20 000) ≈ 2.2; variance n p q = 99 000 ± 1 %.
    expect(Math.abs(mean - n * p)).toBeLessThan(10);
    expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.96);
    expect(variance / (n * p * (1 - p))).toBeLessThan(1.04);
  });

  it('handles the edges and refuses bad arguments', () => {
    const random = createRandom(1);
    expect(binomialDraw(0, 0.5, random)).toBe(0);
    expect(binomialDraw(10, 0, random)).toBe(0);
    expect(binomialDraw(10, 1, random)).toBe(10);
    expect(() => binomialDraw(2.5, 0.5, random)).toThrow('n must be an integer >= 0, got 2.5');
    expect(() => binomialDraw(3, 1.5, random)).toThrow('p must be in [0, 1], got 1.5');
  });
});

describe('multinomial draws', () => {
  it('keeps the total and matches each cell mean', () => {
    const random = createRandom(8);
    const weights = [1369, 805, 532, 990, 0, 12];
    const n = weights.reduce((a, b) => a + b, 0);
    const sums = weights.map(() => 0);
    const reps = 5000;
    for (let r = 0; r < reps; r++) {
      const draw = multinomialDraw(n, weights, random);
      expect(draw.reduce((a, b) => a + b, 0)).toBe(n);
      draw.forEach((v, i) => (sums[i] = (sums[i] as number) + v));
    }
    expect(sums[4]).toBe(0);
    weights.forEach((w, i) => {
      const sd = Math.sqrt((n * (w / n) * (1 - w / n)) / reps);
      expect(Math.abs((sums[i] as number) / reps - w)).toBeLessThan(5 * sd + 1e-9);
    });
  });
});
