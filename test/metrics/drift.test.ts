import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../lib/random.ts';
import {
  binIndex,
  compareWithReference,
  histogramCounts,
  jensenShannonDistance,
  populationStabilityIndex,
  quantileBinEdges,
  rankByDrift,
  referenceDistribution,
} from '../../metrics/drift.ts';

describe('reference bins', () => {
  it('cuts at sample quantiles so each bin holds about n/k values', () => {
    const sample = Array.from({ length: 100 }, (_, i) => i + 1); // 1 … 100
    // Candidates at ranks ⌊j·100/10⌋ = 10j → values 11, 21, …, 91: ten bins of ten values.
    expect(quantileBinEdges(sample, 10)).toEqual([11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(histogramCounts(sample, quantileBinEdges(sample, 10))).toEqual(Array(10).fill(10));
  });

  it('deduplicates edges of a feature with few values and never leaves an empty first bin', () => {
    const binary = [...Array(90).fill(0), ...Array(10).fill(1)];
    // Candidates: nine 0s (dropped: equal to the minimum) and one 1 → bins (−∞, 1) and [1, ∞).
    expect(referenceDistribution(binary, 10)).toEqual({ edges: [1], proportions: [0.9, 0.1] });
    expect(quantileBinEdges([5, 5, 5], 10)).toEqual([]);
  });

  it('puts a value equal to an edge in the bin above it, as the model card says', () => {
    expect(binIndex([1, 2], 0.5)).toBe(0);
    expect(binIndex([1, 2], 1)).toBe(1);
    expect(binIndex([1, 2], 2)).toBe(2);
    expect(() => histogramCounts([Number.NaN], [1])).toThrow('values[0] must be a finite number');
    expect(() => histogramCounts([1], [2, 1])).toThrow('edges must be strictly ascending');
  });
});

describe('PSI and Jensen–Shannon distance', () => {
  it('PSI worked by hand', () => {
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.173287 + 0.101366 = 0.274653
    expect(populationStabilityIndex([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 15);
    expect(populationStabilityIndex([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });

  it('floors empty bins at ε = 1e-4', () => {
    // Third bin empty in the reference: (0.1 − 1e-4)·ln(0.1 / 1e-4) + (0.4 − 0.5)·ln(0.8)
    expect(populationStabilityIndex([0.5, 0.5, 0], [0.5, 0.4, 0.1])).toBeCloseTo((0.1 - 1e-4) * Math.log(1000) - 0.1 * Math.log(0.8), 12);
  });

  it("matches scipy.spatial.distance.jensenshannon(p, q, base=2)", () => {
    expect(jensenShannonDistance([0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25])).toBeCloseTo(0.20050332253142814, 12);
    expect(jensenShannonDistance([0.5, 0.5, 0], [0, 0.1, 0.9])).toBeCloseTo(0.8972141737096521, 12);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBe(1);
  });
});

describe('drift against a training reference', () => {
  type Feature = { name: string; draw: (random: Random, shifted: boolean) => number };
  const features: Feature[] = [
    { name: 'normal', draw: (r, shifted) => r.normal() + (shifted ? 0.6 : 0) },
    { name: 'binary', draw: (r, shifted) => (r.chance(shifted ? 0.25 : 0.1) ? 1 : 0) },
    { name: 'count', draw: (r) => Math.floor(r.exponential(3)) }, // never shifted
    { name: 'skewed', draw: (r, shifted) => r.exponential(shifted ? 1.15 : 1) },
  ];
  const random = createRandom(17);
  const references = features.map((f) => referenceDistribution(Array.from({ length: 50_000 }, () => f.draw(random, false))));
  const window = (shifted: boolean, size: number) =>
    features.map((f, i) => {
      const reference = references[i] as (typeof references)[number];
      const live = Array.from({ length: size }, () => f.draw(random, shifted));
      return compareWithReference(f.name, reference, histogramCounts(live, reference.edges));
    });

  it('finds none on unshifted data', () => {
    for (const result of window(false, 5000)) {
      expect(result.level, result.name).toBe('none');
      expect(result.psi as number, result.name).toBeLessThan(0.02);
    }
  });

  it('detects shifted features and ranks the most drifted first', () => {
    const ranked = rankByDrift(window(true, 5000));
    const byName = Object.fromEntries(ranked.map((r) => [r.name, r]));
    // A 0.6 sd mean shift: PSI ≈ 0.6² = 0.36 over deciles (alert).
    // 10 % → 25 % ones: PSI = (0.25 − 0.1)·ln 2.5 + (0.75 − 0.9)·ln(0.75/0.9) = 0.137 + 0.027 = 0.165 (warn).
    expect(byName.normal?.level).toBe('alert');
    expect(byName.binary?.level).toBe('warn');
    expect(byName.count?.level).toBe('none');
    expect(ranked.map((r) => r.name)).toEqual(['normal', 'binary', 'skewed', 'count']);
    expect(byName.normal?.jensenShannon as number).toBeGreaterThan(byName.count?.jensenShannon as number);
  });

  it('does not judge a window with too few values', () => {
    const results = window(true, 200);
    expect(results.every((r) => r.level === 'insufficient_data')).toBe(true);
    expect(results[0]?.psi).not.toBeNull();
  });

  it('refuses counts that do not fit the reference bins', () => {
    expect(() => compareWithReference('x', { edges: [1, 2], proportions: [0.5, 0.5] }, [1, 2, 3])).toThrow(
      'x: the reference has 2 edges, so 3 proportions are needed, got 2',
    );
    expect(() => compareWithReference('x', { edges: [1], proportions: [0.5, 0.5] }, [1, 2, 3])).toThrow('x: 3 live counts for 2 bins');
  });
});
