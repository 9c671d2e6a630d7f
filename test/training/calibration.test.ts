import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { MAX_ISOTONIC_SLOPE, calibrate, calibrateAll, fitIsotonic, fitPlatt, sigmoid } from '../../training/calibration.ts';

describe('Platt scaling', () => {
  it('fits the smoothed target rate exactly at two distinct logits', () => {
    // z = 0: 1 positive, 3 negatives; z = 1: 3 positives, 1 negative. N₊ = N₋ = 4, so
    // t₊ = 5/6 and t₋ = 1/6; mean target at z = 0 is (5/6 + 3/6)/4 = 1/3, at z = 1 it is 2/3.
    // σ(b) = 1/3 → b = −ln 2; σ(a + b) = 2/3 → a = 2 ln 2.
    const logits = [0, 0, 0, 0, 1, 1, 1, 1];
    const labels = [1, 0, 0, 0, 1, 1, 1, 0];
    const calibration = fitPlatt(logits, labels, new Array(8).fill(1));
    if (calibration.kind !== 'platt') throw new Error('expected Platt');
    expect(calibration.a).toBeCloseTo(2 * Math.LN2, 6);
    expect(calibration.b).toBeCloseTo(-Math.LN2, 6);
    expect(calibrate(calibration, 1)).toBeCloseTo(2 / 3, 6);
  });

  it('counts row weights like repeated rows', () => {
    const weighted = fitPlatt([0, 0, 1, 1], [1, 0, 1, 0], [1, 3, 3, 1]);
    const repeated = fitPlatt([0, 0, 0, 0, 1, 1, 1, 1], [1, 0, 0, 0, 1, 1, 1, 0], new Array(8).fill(1));
    expect(weighted).toEqual(repeated);
  });
});

/** The isotonic fit's knots, or a failed test. */
function knots(logits: number[], labels: number[], weights: number[]): { x: readonly number[]; y: readonly number[] } {
  const calibration = fitIsotonic(logits, labels, weights);
  if (calibration.kind !== 'isotonic') throw new Error('expected isotonic');
  return calibration;
}

describe('isotonic calibration', () => {
  it('pools adjacent violators and interpolates linearly between the blocks’ centres', () => {
    // Labels 0, 1, 0, 1 at logits 1..4: the middle pair violates order and pools to 0.5, its
    // knot at its mean logit 2.5. (Knots at block ends, as scikit-learn puts them, would be
    // x [1, 2, 3, 4], y [0, 0.5, 0.5, 1].) Slopes 1/3.
    const calibration = fitIsotonic([3, 1, 4, 2], [0, 0, 1, 1], [1, 1, 1, 1]);
    expect(calibration).toEqual({ kind: 'isotonic', x: [1, 2.5, 4], y: [0, 0.5, 1] });
    expect(Array.from(calibrateAll(calibration, [0, 1.75, 2.5, 3.25, 9]))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('weights the pooled mean and centre by row weight and merges tied logits first', () => {
    // z = 1: labels 1 (w 1) and 0 (w 3) → 0.25; z = 2: label 0 → violates, pools to 1/5, its
    // centre (1 · 4 + 2 · 1) / 5 = 1.2.
    const calibration = fitIsotonic([1, 1, 2], [1, 0, 0], [1, 3, 1]);
    expect(calibration).toEqual({ kind: 'isotonic', x: [Math.fround(1.2)], y: [0.2] });
  });
});

describe('isotonic slope cap', () => {
  it('pools two blocks 0.001 logit apart with means 0.1 and 0.9 into one, by weight', () => {
    // Without the cap: knots (0, 0.1) and (0.001, 0.9), a piece of slope 800 probability per logit
    // unit. z = 0: 1 positive in weight 10; z = 0.001: 27 positives in weight 30. Pooled:
    // (1 + 27) / 40 = 0.7 at (0 · 10 + 0.001 · 30) / 40 = 0.00075.
    const { x, y } = knots([0, 0, 0.001, 0.001], [1, 0, 1, 0], [1, 9, 27, 3]);
    expect(x).toEqual([Math.fround(0.00075)]);
    expect(y).toHaveLength(1);
    expect(y[0]).toBeCloseTo(0.7, 12);
  });

  it('re-checks a pooled block against the block below', () => {
    // z = 0: 1 positive in 10 (0.1); z = 0.5: 5 in 10 (0.5), slope 0.8 from the first, kept;
    // z = 0.501: 27 in 30 (0.9), slope 400 from the second: pooled to (5 + 27) / 40 = 0.8 at
    // (5 + 15.03) / 40 = 0.50075; that is (0.8 − 0.1) / 0.50075 = 1.4 above the first: pooled
    // again, to (1 + 5 + 27) / 50 = 0.66 at (0 + 5 + 15.03) / 50 = 0.4006.
    const { x, y } = knots([0, 0, 0.5, 0.5, 0.501, 0.501], [1, 0, 1, 0, 1, 0], [1, 9, 5, 5, 27, 3]);
    expect(x).toEqual([Math.fround(0.4006)]);
    expect(y[0]).toBeCloseTo(0.66, 12);
  });

  it('leaves a fit with every slope below 1 as it is', () => {
    // z = −2: 1 positive in 10 (0.1); z = −1: 1 in 2 (0.5); z = 0: 3 in 10 (0.3), a violator:
    // pooled with z = −1 to (1 + 3) / 12 = 1/3 at −2 / 12 = −1/6; z = 1: 9 in 10 (0.9); z = 2:
    // 1 in 1. Slopes (1/3 − 0.1) / (11/6) = 0.127, (0.9 − 1/3) / (7/6) = 0.486, 0.1: none binds.
    const { x, y } = knots([-2, -2, -1, -1, 0, 0, 1, 1, 2], [1, 0, 1, 0, 1, 0, 1, 0, 1], [1, 9, 1, 1, 3, 7, 9, 1, 1]);
    expect(x).toEqual([-2, Math.fround(-1 / 6), 1, 2]);
    const expected = [0.1, 1 / 3, 0.9, 1];
    expect(y).toHaveLength(expected.length);
    y.forEach((value, k) => expect(value).toBeCloseTo(expected[k]!, 12));
  });

  it('judges the slope on the blocks PAV ends with, not on a mean a later violator pulls down', () => {
    // Labels 0, 1, 0 at z = 0, 0.6, 0.7. PAV pools the last two to 0.5 at 0.65; the piece from 0
    // rises 0.5 over 0.65, slope 0.77: kept. (Capping while PAV runs would pool z = 0 and 0.6 on
    // their provisional slope 1 / 0.6 = 1.67, and then all three to 1/3.)
    expect(knots([0, 0.6, 0.7], [0, 1, 0], [1, 1, 1])).toEqual({ kind: 'isotonic', x: [0, Math.fround(0.65)], y: [0, 0.5] });
  });

  it('keeps the steps of a dense validation slice, where neighbouring rows are 1e-2 logit apart', () => {
    // 2,000 rows on [−10, 10), labels drawn with p = σ(z): the curve's slope is at most 1/4.
    // Knots at block ends would climb each step across the 1e-2 gap between two rows, steeper
    // than the cap, and pooling those pools everything into one block.
    const random = createRandom(7);
    const logits = Array.from({ length: 2000 }, (_, i) => Math.fround(-10 + i / 100));
    const labels = logits.map((z) => (random.chance(sigmoid(z)) ? 1 : 0));
    const calibration = fitIsotonic(logits, labels, new Array(2000).fill(1));
    if (calibration.kind !== 'isotonic') throw new Error('expected isotonic');
    expect(calibration.x.length).toBeGreaterThan(10);
    expect(calibrate(calibration, -5)).toBeLessThan(0.05);
    expect(calibrate(calibration, 5)).toBeGreaterThan(0.95);
  });

  it('on random data: every piece at most 1 steep, x ascending and y non-decreasing', () => {
    const random = createRandom(2024);
    for (let trial = 0; trial < 40; trial++) {
      const n = 50 + random.int(400);
      // Steep true curves (a up to 8) and near-duplicate logits, a few float32 steps apart, are
      // where the fit would otherwise have pieces steeper than the cap.
      const a = 0.5 + 7.5 * random.next();
      const logits: number[] = [];
      const labels: number[] = [];
      const weights: number[] = [];
      for (let i = 0; i < n; i++) {
        const previous = logits[logits.length - 1];
        const nearPrevious = previous !== undefined && random.chance(0.3);
        const z = Math.fround(nearPrevious ? previous + (random.int(5) - 2) * 1e-6 : 3 * random.normal());
        logits.push(z);
        labels.push(random.chance(sigmoid(a * z)) ? 1 : 0);
        weights.push(random.chance(0.05) ? 0 : 0.5 + 4 * random.next());
      }
      const { x, y } = knots(logits, labels, weights);
      for (let k = 1; k < x.length; k++) {
        expect(x[k]!).toBeGreaterThan(x[k - 1]!);
        expect(y[k]!).toBeGreaterThanOrEqual(y[k - 1]!);
        expect((y[k]! - y[k - 1]!) / (x[k]! - x[k - 1]!)).toBeLessThanOrEqual(MAX_ISOTONIC_SLOPE);
      }
      expect(y[0]!).toBeGreaterThanOrEqual(0);
      expect(y[y.length - 1]!).toBeLessThanOrEqual(1);
    }
  });
});
