import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import {
  addDecisionCounts,
  checkDecisionCounts,
  countDecision,
  createDecisionTally,
  decisionTotal,
  labelledTotal,
  referralTotal,
  resampleDecisionCounts,
} from '../../metrics/decision-counts.ts';

describe('decision counts', () => {
  const tally = createDecisionTally();
  countDecision(tally, { predictedPositive: true, label: 1 });
  countDecision(tally, { predictedPositive: true, label: 0 });
  countDecision(tally, { predictedPositive: true, label: null });
  countDecision(tally, { predictedPositive: false, label: 1, weight: 20 });
  countDecision(tally, { predictedPositive: false, label: 0, weight: 20 });
  countDecision(tally, { predictedPositive: false, label: 0, weight: 10 });
  countDecision(tally, { predictedPositive: false, label: null });

  it('puts every decision in one of six cells, with weights and squared weights', () => {
    expect(tally.labelledRows).toEqual({ truePositives: 1, falsePositives: 1, falseNegatives: 1, trueNegatives: 2 });
    expect(tally.labelledWeights).toEqual({ truePositives: 1, falsePositives: 1, falseNegatives: 20, trueNegatives: 30 });
    expect(tally.labelledWeightsSquared.trueNegatives).toBe(500);
    expect([decisionTotal(tally), referralTotal(tally), labelledTotal(tally)]).toEqual([7, 3, 5]);
  });

  it('adds', () => {
    const twice = addDecisionCounts(tally, tally);
    expect(decisionTotal(twice)).toBe(14);
    expect(twice.labelledWeights.trueNegatives).toBe(60);
  });

  it('resamples the same number of decisions, keeping each cell’s mean weight', () => {
    const random = createRandom(3);
    for (let r = 0; r < 200; r++) {
      const resampled = resampleDecisionCounts(tally, random);
      expect(decisionTotal(resampled)).toBe(7);
      expect(resampled.labelledWeights.trueNegatives).toBeCloseTo(resampled.labelledRows.trueNegatives * 15, 12);
      expect(resampled.labelledWeights.falseNegatives).toBeCloseTo(resampled.labelledRows.falseNegatives * 20, 12);
    }
  });

  it('refuses impossible counts naming the cell', () => {
    expect(() => checkDecisionCounts({ ...tally, unlabelledReleased: -1 })).toThrow('unlabelledReleased must be an integer >= 0, got -1');
    expect(() => checkDecisionCounts({ ...tally, labelledWeights: { ...tally.labelledWeights, falseNegatives: 0 } })).toThrow(
      'falseNegatives has 1 rows but weight 0',
    );
    expect(() => countDecision(createDecisionTally(), { predictedPositive: false, label: 1, weight: 0 })).toThrow("a labelled decision's weight must be a finite number > 0");
  });
});
