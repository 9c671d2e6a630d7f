import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { aucRoc, averagePrecision, rankScores, rocCurve } from '../../metrics/ranking.ts';

/** AUC by its definition: every positive–negative pair, ties one half. O(n²). */
function bruteForceAuc(labels: number[], scores: number[], weights: number[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      const w = (weights[i] as number) * (weights[j] as number);
      pairs += w;
      const si = scores[i] as number;
      const sj = scores[j] as number;
      sum += si > sj ? w : si === sj ? w / 2 : 0;
    }
  }
  return sum / pairs;
}

describe('AUC-ROC', () => {
  it('is the share of correctly ordered positive-negative pairs', () => {
    // Positives score 0.9 and 0.4, negatives 0.8 and 0.3. Pairs: 0.9>0.8, 0.9>0.3, 0.4<0.8, 0.4>0.3 → 3/4.
    expect(aucRoc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3])).toBe(0.75);
  });

  it('counts a tie as one half', () => {
    // Positives {0.5, 0.7}, negatives {0.5, 0.2}: 0.5=0.5 → ½, 0.5>0.2, 0.7>0.5, 0.7>0.2 → 3.5/4.
    expect(aucRoc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.2])).toBe(0.875);
    // All scores equal: no information, exactly ½.
    expect(aucRoc([1, 0, 1, 0, 0], [0.3, 0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('weighs a row like that many copies of it', () => {
    // Weight 2 on the 0.9 positive = positives {0.9, 0.9, 0.4}, negatives {0.8, 0.3}: 5 of 6 pairs ordered.
    expect(aucRoc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3], [2, 1, 1, 1])).toBeCloseTo(5 / 6, 15);
    expect(aucRoc([1, 1, 0, 1, 0], [0.9, 0.9, 0.8, 0.4, 0.3])).toBeCloseTo(5 / 6, 15);
  });

  it('matches the pairwise definition on random data with many ties and weights', () => {
    const random = createRandom(7);
    const n = 300;
    const labels = Array.from({ length: n }, () => (random.chance(0.3) ? 1 : 0));
    const scores = labels.map((y) => Math.round((random.next() + y * 0.4) * 10) / 10); // 0.1 steps: many ties
    const weights = labels.map(() => 1 + random.int(4));
    expect(aucRoc(labels, scores, weights)).toBeCloseTo(bruteForceAuc(labels, scores, weights), 12);
    expect(aucRoc(labels, scores)).toBeCloseTo(bruteForceAuc(labels, scores, labels.map(() => 1)), 12);
    // Weights with many distinct values take the index-sort path instead of label × weight buckets.
    const continuous = labels.map(() => 0.1 + random.next());
    expect(aucRoc(labels, scores, continuous)).toBeCloseTo(bruteForceAuc(labels, scores, continuous), 12);
    const both = [rankScores(labels, scores, weights), rankScores(labels, scores, weights.map((w) => w + 1e-9 * random.next()))];
    expect(Array.from(both[1]?.scores ?? [])).toEqual(Array.from(both[0]?.scores ?? []));
    expect(Array.from(both[1]?.rows ?? [])).toEqual(Array.from(both[0]?.rows ?? []));
  });

  it('is null without positives or without negatives, and refuses NaN scores', () => {
    expect(aucRoc([0, 0], [0.1, 0.2])).toBeNull();
    expect(aucRoc([1, 1], [0.1, 0.2])).toBeNull();
    expect(() => aucRoc([1, 0], [0.1, Number.NaN])).toThrow('scores[1] must be a finite number');
  });

  it('has a ROC curve from (0, 0) to (1, 1) through each distinct score', () => {
    const curve = rocCurve(rankScores([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3]));
    expect(curve.map((p) => [p.falsePositiveRate, p.truePositiveRate])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });
});

describe('AUC-PR as average precision (scikit-learn definition)', () => {
  it("reproduces scikit-learn's documented example (0.83)", () => {
    // y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8]. Descending: 0.8 (+): P 1, R ½ → ½·1;
    // 0.4 (−): R unchanged; 0.35 (+): P 2/3, R 1 → ½·2/3. AP = ½ + ⅓ = 5/6.
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 15);
  });

  it('enters tied rows together', () => {
    // Scores 0.5 (+), 0.5 (−), 0.2 (+). At 0.5: TP 1, FP 1 → P ½, R ½ → ¼. At 0.2: P ⅔, R 1 → ½·⅔.
    expect(averagePrecision([1, 0, 1], [0.5, 0.5, 0.2])).toBeCloseTo(0.25 + 1 / 3, 15);
  });

  it('is 1 for a perfect ranking, about the prevalence for a random one, null without positives', () => {
    expect(averagePrecision([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1])).toBe(1);
    const random = createRandom(3);
    const labels = Array.from({ length: 20_000 }, () => (random.chance(0.1) ? 1 : 0));
    const scores = labels.map(() => random.next());
    expect(averagePrecision(labels, scores)).toBeCloseTo(0.1, 1);
    expect(averagePrecision([0, 0], [0.5, 0.4])).toBeNull();
  });
});
