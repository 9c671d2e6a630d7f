import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, logisticLogits } from '../../training/logistic-regression.ts';
import { createRandom } from '../../lib/random.ts';

describe('fitLogisticRegression', () => {
  it('finds the maximum-likelihood fit of a saturated model by hand', () => {
    // x = 0: 1 positive in 4 → β₀ = logit(1/4) = −ln 3; x = 1: 3 in 4 → β₀ + β₁ = ln 3, β₁ = 2 ln 3.
    const x = Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const labels = [1, 0, 0, 0, 1, 1, 1, 0];
    const model = fitLogisticRegression(x, 1, labels, new Array(8).fill(1), { l2: 0 });
    expect(model.intercept).toBeCloseTo(-Math.log(3), 6);
    expect(model.coefficients[0]).toBeCloseTo(2 * Math.log(3), 6);
    expect(Array.from(logisticLogits(model, Float32Array.from([0, 1]), 1)).map((z) => 1 / (1 + Math.exp(-z)))).toEqual([
      expect.closeTo(0.25, 6),
      expect.closeTo(0.75, 6),
    ]);
  });

  it('recovers the coefficients of simulated logistic data', () => {
    const random = createRandom(7);
    const n = 20_000;
    const x = new Float32Array(n * 2);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = random.normal();
      x[2 * i + 1] = random.normal();
      const z = -2 + 1.5 * x[2 * i]! - 0.5 * x[2 * i + 1]!;
      labels[i] = random.chance(1 / (1 + Math.exp(-z))) ? 1 : 0;
    }
    const model = fitLogisticRegression(x, 2, labels, new Float32Array(n).fill(1));
    expect(model.intercept).toBeCloseTo(-2, 1);
    expect(model.coefficients[0]).toBeCloseTo(1.5, 1);
    expect(model.coefficients[1]).toBeCloseTo(-0.5, 1);
  });
});
