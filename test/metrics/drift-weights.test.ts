import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { binnedDistribution, compareWithReference, histogramCounts, quantileBinEdges, referenceDistribution } from '../../metrics/drift.ts';
import { buildReference, REFERENCE_BINS } from '../../training/reference.ts';
import { syntheticTable } from '../training/training-fixtures.ts';

/**
 * The card's drift reference counts each training row by its weight: a random selection on a
 * recorded training set stands for 1/selection probability crossings, and live drift histograms
 * count every crossing. With all weights 1 (simulated sets) the reference is exactly the unweighted
 * one.
 */

describe('weighted quantile bins', () => {
  it('puts the edges where the cumulative weight passes each share', () => {
    // Values 1, 2, 3, 4 with weights 1, 1, 1, 7: W = 10, cumulative 1, 2, 3, 10.
    // 2 bins: share 5 is first passed at 4. 4 bins: shares 2.5, 5, 7.5 → 3, 4, 4 (duplicate dropped).
    expect(quantileBinEdges([1, 2, 3, 4], 2, [1, 1, 1, 7])).toEqual([4]);
    expect(quantileBinEdges([4, 2, 3, 1], 4, [7, 1, 1, 1])).toEqual([3, 4]);
    // Shares: below 3 weight 2, [3, 4) weight 1, from 4 weight 7.
    expect(binnedDistribution([4, 2, 3, 1], [3, 4], [7, 1, 1, 1]).proportions).toEqual([0.2, 0.1, 0.7]);
    // Unweighted, the same values split evenly at 3.
    expect(quantileBinEdges([1, 2, 3, 4], 2)).toEqual([3]);
  });

  it('gives the unweighted rule (ranks ⌊j·n/k⌋ of the sorted sample) and counts when every weight is 1', () => {
    const random = createRandom(7);
    const samples = [
      Array.from({ length: 1000 }, () => random.int(21)), // few distinct values, many ties
      Array.from({ length: 997 }, () => random.next() * 50 - 10), // continuous
      Array.from({ length: 40 }, (_, i) => i % 8), // j·n/k whole numbers at the edges
      [5], // one row
    ];
    for (const sample of samples) {
      const ones = new Array<number>(sample.length).fill(1);
      const sorted = [...sample].sort((a, b) => a - b);
      for (const bins of [1, 3, 10, 16]) {
        const byRank: number[] = [];
        for (let j = 1; j < bins; j++) {
          const candidate = sorted[Math.floor((j * sorted.length) / bins)]!;
          if (candidate > sorted[0]! && candidate !== byRank.at(-1)) byRank.push(candidate);
        }
        expect(quantileBinEdges(sample, bins, ones)).toEqual(byRank);
        expect(quantileBinEdges(sample, bins)).toEqual(byRank);
        const counts = histogramCounts(sample, byRank);
        expect(referenceDistribution(sample, bins, ones)).toEqual({ edges: byRank, proportions: counts.map((c) => c / sample.length) });
      }
    }
  });

  it('refuses weights that do not describe a distribution, naming the row', () => {
    expect(() => quantileBinEdges([1, 2], 2, [1])).toThrow('2 values but 1 weights');
    expect(() => quantileBinEdges([1, 2], 2, [1, -1])).toThrow('weights[1] must be a finite number >= 0, got -1');
    expect(() => quantileBinEdges([1, 2], 2, [0, 0])).toThrow('the weights sum to 0');
    expect(() => binnedDistribution([1, Number.NaN], [], [1, 1])).toThrow('values[1] must be a finite number, got NaN');
  });
});

describe('the card reference built from a recorded training set', () => {
  // Four model referrals (weight 1, scores 0.6–0.9) and two random selections the model released
  // (weight 48 each, selection probability 1/48, scores 0.01 and 0.02): W = 100. Cumulative weight
  // in score order: 48, 96, 97, 98, 99, 100. Shares 10…40 are passed at 0.01 (the minimum: no
  // edge), shares 50…90 at 0.02: one edge, 0.02, with 48 % of the weight below it and 52 % above.
  const scores = [0.6, 0.7, 0.8, 0.9, 0.01, 0.02];
  const weights = [1, 1, 1, 1, 48, 48];
  const rows = [0, 1, 2, 3, 4, 5];
  const features = new Float32Array(rows.length * FEATURE_COUNT);
  rows.forEach((r) => (features[r * FEATURE_COUNT] = Math.fround(scores[r]!)));

  it('weighs every part by the row weight', () => {
    const reference = buildReference(features, rows, weights, scores);
    expect(reference.score).toEqual({ edges: [0.02], proportions: [0.48, 0.52] });
    expect(reference.features[0]).toEqual({ name: reference.features[0]!.name, edges: [Math.fround(0.02)], proportions: [0.48, 0.52] });
    // The occlusion baseline was weighted already: half the weight is reached at 0.02.
    expect(reference.baseline[0]).toBe(Math.fround(0.02));
  });

  it('reads unchanged traffic as no drift (the unweighted reference called it an alert)', () => {
    // A live window of the same population, every crossing counted once: 48 at 0.01, 48 at 0.02, 4 above.
    const live = [...new Array<number>(48).fill(0.01), ...new Array<number>(48).fill(0.02), 0.6, 0.7, 0.8, 0.9];
    const reference = buildReference(features, rows, weights, scores).score;
    const drift = compareWithReference('score', reference, histogramCounts(live, reference.edges), { minimumCount: 1 });
    expect(drift.psi).toBeCloseTo(0, 12);
    expect(drift.level).toBe('none');
    // The same window against the reference built as before, one count per training row: 5 edges.
    const unweighted = referenceDistribution(scores, REFERENCE_BINS);
    const before = compareWithReference('score', unweighted, histogramCounts(live, unweighted.edges), { minimumCount: 1 });
    expect(before.level).toBe('alert');
  });

  it('is the unweighted reference on a simulated set (every weight 1)', () => {
    const table = syntheticTable(600, 5);
    const train = Uint32Array.from({ length: 400 }, (_, i) => i);
    const trainScores = Float64Array.from(train, (r) => table.features[r * FEATURE_COUNT + 3]! / 10);
    const reference = buildReference(table.features, train, table.weights, trainScores);
    const column = new Float64Array(train.length);
    reference.features.forEach((feature, j) => {
      train.forEach((r, i) => (column[i] = table.features[r * FEATURE_COUNT + j]!));
      expect({ name: feature.name, edges: feature.edges, proportions: feature.proportions }).toEqual({ name: feature.name, ...referenceDistribution(column, REFERENCE_BINS) });
    });
    expect(reference.score).toEqual(referenceDistribution(trainScores, REFERENCE_BINS));
  });
});
