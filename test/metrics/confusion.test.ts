import { describe, expect, it } from 'vitest';
import {
  accuracy,
  confusionCounts,
  confusionRates,
  falseDiscoveryRate,
  falseNegativeRate,
  falseOmissionRate,
  falsePositiveRate,
  precision,
  predictedPositiveRatio,
  predictedPrevalence,
  prevalence,
  recall,
} from '../../metrics/confusion.ts';

// Ten rows worked by hand:
//   i      0  1  2  3  4  5  6  7  8  9
//   label  1  1  1  0  0  0  0  1  0  0
//   pred   1  0  1  1  0  0  0  0  0  1
//   cell   TP FN TP FP TN TN TN FN TN FP
// TP = 2 (0, 2), FN = 2 (1, 7), FP = 2 (3, 9), TN = 4 (4, 5, 6, 8); N = 10.
const labels = [1, 1, 1, 0, 0, 0, 0, 1, 0, 0];
const predictions = [1, 0, 1, 1, 0, 0, 0, 0, 0, 1];

describe('confusion counts and rates', () => {
  it('counts the cells of a hand-worked example', () => {
    expect(confusionCounts(labels, predictions)).toEqual({ truePositives: 2, falsePositives: 2, falseNegatives: 2, trueNegatives: 4 });
  });

  it('reads every rate off the cells', () => {
    const c = confusionCounts(labels, predictions);
    expect(precision(c)).toBe(2 / 4); // TP / (TP + FP)
    expect(recall(c)).toBe(2 / 4); // TP / (TP + FN)
    expect(falsePositiveRate(c)).toBe(2 / 6); // FP / (FP + TN)
    expect(falseNegativeRate(c)).toBe(2 / 4); // FN / (FN + TP)
    expect(falseOmissionRate(c)).toBe(2 / 6); // FN / (FN + TN)
    expect(falseDiscoveryRate(c)).toBe(2 / 4); // FP / (FP + TP)
    expect(predictedPrevalence(c)).toBe(4 / 10); // (TP + FP) / N
    expect(prevalence(c)).toBe(4 / 10); // (TP + FN) / N
    expect(accuracy(c)).toBe(6 / 10);
    expect(predictedPositiveRatio(c, 8)).toBe(4 / 8); // 4 of the 8 referrals across all groups
    expect(confusionRates(c, 8)).toMatchObject({ count: 10, predictedPositives: 4, actualPositives: 4, predictedPositiveRatio: 0.5 });
  });

  it('weights rows as scikit-learn sample_weight does', () => {
    // Weights 2 on row 0 and 3 on row 9: TP = 2 + 1 = 3, FN = 1 + 1 = 2, FP = 1 + 3 = 4, TN = 4.
    const weights = [2, 1, 1, 1, 1, 1, 1, 1, 1, 3];
    const c = confusionCounts(labels, predictions, weights);
    expect(c).toEqual({ truePositives: 3, falsePositives: 4, falseNegatives: 2, trueNegatives: 4 });
    expect(precision(c)).toBe(3 / 7);
    expect(falsePositiveRate(c)).toBe(4 / 8);
    expect(recall(c)).toBe(3 / 5);
    expect(predictedPrevalence(c)).toBe(7 / 13);
  });

  it('gives null, never NaN, where a denominator is zero', () => {
    // Nothing predicted positive and no positives: precision, FDR, recall, FNR have empty denominators.
    const c = confusionCounts([0, 0, 0], [0, 0, 0]);
    expect(precision(c)).toBeNull();
    expect(falseDiscoveryRate(c)).toBeNull();
    expect(recall(c)).toBeNull();
    expect(falseNegativeRate(c)).toBeNull();
    expect(falsePositiveRate(c)).toBe(0);
    expect(predictedPositiveRatio(c, 0)).toBeNull();
    const empty = confusionCounts([], []);
    expect(Object.values(confusionRates(empty)).filter((v) => typeof v === 'number' && Number.isNaN(v))).toEqual([]);
    expect(predictedPrevalence(empty)).toBeNull();
  });

  it('refuses values that are not 0/1 and mismatched lengths, naming them', () => {
    expect(() => confusionCounts([1, 2], [1, 0])).toThrow('labels[1] must be 0 or 1, got 2');
    expect(() => confusionCounts([1, 0], [1])).toThrow('predictions has 1 values, labels has 2');
    expect(() => confusionCounts([1], [1], [-1])).toThrow('weights[0] must be a finite number >= 0');
  });
});
