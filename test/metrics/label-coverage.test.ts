import { describe, expect, test } from 'vitest';
import { postStratifyByRecommendation } from '../../metrics/label-coverage.ts';
import type { DecisionCounts } from '../../metrics/decision-counts.ts';
import { inversePropensityEstimates } from '../../metrics/selective-labels.ts';

/**
 * 20 model referrals, 18 with an outcome (8 hits); 1000 releases, 50 of them randomly selected and
 * inspected (weight 10 each: 2 positives), the other 950 unlabelled.
 */
const counts: DecisionCounts = {
  labelledRows: { truePositives: 8, falsePositives: 10, falseNegatives: 2, trueNegatives: 48 },
  labelledWeights: { truePositives: 8, falsePositives: 10, falseNegatives: 20, trueNegatives: 480 },
  labelledWeightsSquared: { truePositives: 8, falsePositives: 10, falseNegatives: 200, trueNegatives: 4800 },
  unlabelledReferred: 2,
  unlabelledReleased: 950,
};

describe('post-stratification by the model recommendation', () => {
  test('each stratum\u2019s labelled weights sum to its size (20 referred, 1000 released)', () => {
    const adjusted = postStratifyByRecommendation(counts);
    const w = adjusted.labelledWeights;
    expect(w.truePositives + w.falsePositives).toBeCloseTo(20, 12);
    expect(w.falseNegatives + w.trueNegatives).toBeCloseTo(1000, 12);
    expect(w.truePositives).toBeCloseTo((8 * 20) / 18, 12);
    expect(w.falseNegatives).toBeCloseTo(40, 12);
    expect(adjusted.labelledWeightsSquared.trueNegatives).toBeCloseTo(4800 * 4, 9);
    expect(adjusted.labelledRows).toEqual(counts.labelledRows);
  });

  test('hand-computed prevalence: 8/18 of 20 referred plus 2/50 of 1000 released, over 1020', () => {
    const estimates = inversePropensityEstimates(postStratifyByRecommendation(counts));
    expect(estimates.prevalence.value).toBeCloseTo(((8 / 18) * 20 + (2 / 50) * 1000) / 1020, 12);
    // Without the adjustment the referred stratum weighs 18, not 20.
    expect(inversePropensityEstimates(counts).prevalence.value).toBeCloseTo(28 / 518, 12);
    // Ratios within one stratum do not move.
    expect(estimates.precision.value).toBeCloseTo(8 / 18, 12);
    expect(estimates.falseOmissionRate.value).toBeCloseTo(2 / 50, 12);
  });

  test('fully recorded strata are unchanged; a stratum without labels is left alone', () => {
    const full = { ...counts, unlabelledReferred: 0, unlabelledReleased: 450 };
    expect(postStratifyByRecommendation(full).labelledWeights).toEqual(full.labelledWeights);
    const none: DecisionCounts = { ...counts, labelledRows: { ...counts.labelledRows, falseNegatives: 0, trueNegatives: 0 }, labelledWeights: { ...counts.labelledWeights, falseNegatives: 0, trueNegatives: 0 } };
    expect(postStratifyByRecommendation(none).labelledWeights.trueNegatives).toBe(0);
  });
});
