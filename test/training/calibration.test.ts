import { describe, expect, it } from 'vitest';
import { calibrate, calibrateAll, fitIsotonic, fitPlatt } from '../../training/calibration.ts';

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

describe('isotonic calibration', () => {
  it('pools adjacent violators and interpolates linearly between the fitted points', () => {
    // Labels 0, 1, 0, 1 at logits 1..4: the middle pair violates order and pools to 0.5.
    const calibration = fitIsotonic([3, 1, 4, 2], [0, 0, 1, 1], [1, 1, 1, 1]);
    expect(calibration).toEqual({ kind: 'isotonic', x: [1, 2, 3, 4], y: [0, 0.5, 0.5, 1] });
    expect(Array.from(calibrateAll(calibration, [0, 1.5, 2.5, 3.5, 9]))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('weights the pooled mean by row weight and merges tied logits first', () => {
    // z = 1: labels 1 (w 1) and 0 (w 3) → 0.25; z = 2: label 0 → violates, pools to 1/5.
    const calibration = fitIsotonic([1, 1, 2], [1, 0, 0], [1, 3, 1]);
    expect(calibration).toEqual({ kind: 'isotonic', x: [1, 2], y: [0.2, 0.2] });
  });
});
