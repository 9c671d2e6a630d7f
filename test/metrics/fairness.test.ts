import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { multinomialDraw } from '../../metrics/binomial-sampling.ts';
import type { ConfusionCounts } from '../../metrics/confusion.ts';
import { countDecision, createDecisionTally, decisionCountsFromConfusion, type DecisionCounts } from '../../metrics/decision-counts.ts';
import {
  disparityStatus,
  fairnessMetricValues,
  fairnessReport,
  fairnessTable,
  marginalGroupCounts,
  UnknownReferenceGroupError,
  type GroupCounts,
} from '../../metrics/fairness.ts';
import { postStratifyByRecommendation } from '../../metrics/label-coverage.ts';
import { hitRateTest } from '../../metrics/outcome-test.ts';
import { inversePropensityEstimates } from '../../metrics/selective-labels.ts';

const cells = (tp: number, fp: number, fn: number, tn: number): ConfusionCounts => ({ truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn });

// Two fully labelled groups, worked by hand:
//   A: TP 40, FP 10, FN 20, TN 130 (200 decisions, 50 referred)
//      PPrev 50/200 = .25, precision 40/50 = .8, FDR .2, FPR 10/140, FNR 20/60, FOR 20/150
//   B: TP 10, FP 10, FN 10, TN 70  (100 decisions, 20 referred)
//      PPrev 20/100 = .2,  precision 10/20 = .5, FDR .5, FPR 10/80,  FNR 10/20, FOR 10/80
//   70 referrals in all: PPR A = 50/70, B = 20/70.
// Against A (the larger, so the default reference), B's disparities:
//   PPR .4, PPrev .8, precision .625, FDR 2.5, FPR (1/8)/(1/14) = 1.75, FNR 1.5, FOR (1/8)/(2/15) = .9375
const A = decisionCountsFromConfusion(cells(40, 10, 20, 130));
const B = decisionCountsFromConfusion(cells(10, 10, 10, 70));
const twoGroups: GroupCounts[] = [
  { key: ['B'], counts: B },
  { key: ['A'], counts: A },
];

describe('fairness table', () => {
  const table = fairnessTable(twoGroups, { attributes: ['group'], random: createRandom(1), replicates: 500 });
  const b = table.groups.find((g) => g.label === 'B');

  it('computes every metric as worked by hand, largest group first and as reference', () => {
    expect(table.reference).toMatchObject({ label: 'A', chosenBy: 'largest' });
    expect(table.groups.map((g) => g.label)).toEqual(['A', 'B']);
    expect(table.totals).toEqual({ decisions: 300, referrals: 70, labelled: 300 });
    const m = b?.metrics;
    expect(m?.predictedPositiveRatio.value).toBeCloseTo(20 / 70, 15);
    expect(m?.predictedPrevalence.value).toBe(0.2);
    expect(m?.precision.value).toBe(0.5);
    expect(m?.falseDiscoveryRate.value).toBe(0.5);
    expect(m?.falsePositiveRate.value).toBe(0.125);
    expect(m?.falseNegativeRate.value).toBe(0.5);
    expect(m?.falseOmissionRate.value).toBe(0.125);
  });

  it('takes disparities against the reference', () => {
    const d = b?.disparities;
    expect(d?.predictedPositiveRatio.ratio).toBeCloseTo(0.4, 14);
    expect(d?.predictedPrevalence.ratio).toBeCloseTo(0.8, 14);
    expect(d?.precision.ratio).toBeCloseTo(0.625, 14);
    expect(d?.falseDiscoveryRate.ratio).toBeCloseTo(2.5, 14);
    expect(d?.falsePositiveRate.ratio).toBeCloseTo(1.75, 14);
    expect(d?.falseNegativeRate.ratio).toBeCloseTo(1.5, 14);
    expect(d?.falseOmissionRate.ratio).toBeCloseTo(0.9375, 14);
    expect(table.groups[0]?.disparities.falsePositiveRate).toEqual({ ratio: 1, interval: null, status: 'reference' });
  });

  it('judges each disparity by the flag rule', () => {
    const d = b?.disparities;
    // PPR 0.4, far below 0.8 with 20 vs 50 referrals: the whole interval is outside the band.
    expect(d?.predictedPositiveRatio.status).toBe('outside_band');
    expect(d?.predictedPositiveRatio.interval?.upper).toBeLessThan(0.8);
    expect(b?.flagged).toContain('predictedPositiveRatio');
    // PPrev exactly 0.8: inside the band (the band is closed).
    expect(d?.predictedPrevalence.status).toBe('within_band');
    // FPR 1.75 rests on 10 false positives in each group: the interval reaches into the band.
    expect(d?.falsePositiveRate.status).toBe('inconclusive');
    expect(d?.falsePositiveRate.interval?.lower).toBeLessThan(1.25);
    expect(d?.falsePositiveRate.interval?.upper).toBeGreaterThan(1.75);
    // Precision and FDR rest on B's 20 labelled referrals, FNR on its 20 positives: < 30, not judged.
    expect(d?.precision.status).toBe('too_small');
    expect(d?.falseDiscoveryRate.status).toBe('too_small');
    expect(d?.falseNegativeRate.status).toBe('too_small');
    expect(d?.falseOmissionRate.status).toBe('within_band');
  });

  it('states the rule as a pure function', () => {
    const band = { lower: 0.8, upper: 1.25 };
    expect(disparityStatus(1.4, { lower: 1.3, upper: 1.5 }, band)).toBe('outside_band');
    expect(disparityStatus(1.4, { lower: 1.1, upper: 1.7 }, band)).toBe('inconclusive');
    expect(disparityStatus(1.4, null, band)).toBe('inconclusive');
    expect(disparityStatus(1.2, { lower: 0.5, upper: 2 }, band)).toBe('within_band');
    expect(disparityStatus(0.7, { lower: 0.6, upper: 0.79 }, band)).toBe('outside_band');
    expect(disparityStatus(null, null, band)).toBe('undefined');
  });

  it('uses a named reference group, and refuses an unknown one naming the groups', () => {
    const t = fairnessTable(twoGroups, { attributes: ['group'], reference: ['B'], random: createRandom(1), replicates: 50 });
    expect(t.reference).toMatchObject({ label: 'B', chosenBy: 'given' });
    expect(t.groups.find((g) => g.label === 'A')?.disparities.falsePositiveRate.ratio).toBeCloseTo(1 / 1.75, 14);
    expect(() => fairnessTable(twoGroups, { attributes: ['group'], reference: ['C'], random: createRandom(1) })).toThrow(UnknownReferenceGroupError);
    expect(() => fairnessTable(twoGroups, { attributes: ['group'], reference: ['C'], random: createRandom(1) })).toThrow(
      'reference group C has no decisions; the groups are: A, B',
    );
  });

  it('reports a group below the minimum size as too small instead of judging it', () => {
    const tiny = decisionCountsFromConfusion(cells(9, 1, 0, 0)); // 10 decisions, PPrev 1.0 (4× A's)
    const t = fairnessTable([...twoGroups, { key: ['C'], counts: tiny }], { attributes: ['group'], random: createRandom(2), replicates: 100 });
    const c = t.groups.find((g) => g.label === 'C');
    expect(c?.status).toBe('too_small');
    expect(c?.disparities.predictedPrevalence).toMatchObject({ ratio: 4, status: 'too_small' });
    expect(c?.flagged).toEqual([]);
  });

  it('reads a service-like group: census counts for PPrev, weighted labelled rows for error rates', () => {
    // Model referrals: 30 hits, 70 misses (weight 1), 10 without outcome. Random selection at 5 %
    // among releases: 2 hits and 48 misses (weight 20 each); 900 releases unlabelled.
    // decisions 30+70+10+2+48+900 = 1060; referrals 110; precision 30/100.
    // Post-stratified (label-coverage.ts): referred weights × 110/100 (TP 33, FP 77), released
    // × 950/1000 (FN 38, TN 912). FNR = 38/(33+38); FPR = 77/(77+912); FOR = 38/950.
    const tally = createDecisionTally();
    const add = (times: number, predictedPositive: boolean, label: 0 | 1 | null, weight = 1): void => {
      for (let i = 0; i < times; i++) countDecision(tally, { predictedPositive, label, weight });
    };
    add(30, true, 1);
    add(70, true, 0);
    add(10, true, null);
    add(2, false, 1, 20);
    add(48, false, 0, 20);
    add(900, false, null);
    const t = fairnessTable([{ key: ['x'], counts: tally }], { attributes: ['port'], random: createRandom(3), replicates: 10, minimumCount: 0 });
    const m = t.groups[0]?.metrics;
    expect(t.groups[0]).toMatchObject({ decisions: 1060, referrals: 110, labelled: 150 });
    expect(m?.predictedPrevalence.value).toBeCloseTo(110 / 1060, 15);
    expect(m?.precision.value).toBeCloseTo(0.3, 15);
    expect(m?.falseNegativeRate.value).toBeCloseTo(38 / 71, 15);
    expect(m?.falsePositiveRate.value).toBeCloseTo(77 / 989, 15);
    expect(m?.falseOmissionRate.value).toBeCloseTo(38 / 950, 15);
    // The group's counts are reported as summed, not adjusted.
    expect(t.groups[0]?.counts.labelledWeights).toEqual(cells(30, 70, 40, 960));
  });

  it('does not flag a small group for having no referrals: a rate of 0 takes its interval from Wilson bounds', () => {
    // Reference: 10,000 decisions, 800 referred (8 %). A group of 46 with no referral happens by
    // chance (0.92^46 = 2 %); the bootstrap, redrawing zero referrals, would give exactly [0, 0].
    // Wilson 95 % for 0/46 is [0, 3.8415/49.8415 = 0.0771] and for 800/10,000 about [0.0749, 0.0855],
    // so the ratio's interval is [0, 0.0771/0.0749 ≈ 1.03]: it reaches into the band, inconclusive.
    const reference = decisionCountsFromConfusion(cells(400, 400, 100, 9100));
    const small = decisionCountsFromConfusion(cells(0, 0, 1, 45));
    const large = decisionCountsFromConfusion(cells(0, 0, 10, 4990));
    const t = fairnessTable(
      [
        { key: ['R'], counts: reference },
        { key: ['S'], counts: small },
        { key: ['L'], counts: large },
      ],
      { attributes: ['group'], random: createRandom(3), replicates: 300 },
    );
    const prev = (label: string) => t.groups.find((g) => g.label === label)?.disparities.predictedPrevalence;
    expect(prev('S')?.ratio).toBe(0);
    expect(prev('S')?.interval?.lower).toBe(0);
    expect(prev('S')?.interval?.upper).toBeGreaterThan(1);
    expect(prev('S')?.status).toBe('inconclusive');
    // 5,000 people and still none referred is no accident: Wilson 0/5000 ≤ 0.00077, ratio ≤ 0.01.
    expect(prev('L')?.interval?.upper).toBeLessThan(0.02);
    expect(prev('L')?.status).toBe('outside_band');
  });

  it('bootstrap intervals of a disparity cover the true ratio about as often as stated', () => {
    // Two groups of 1 500 with prevalence 0.3 and TPR 0.6; FPR 0.2 in A and 0.3 in B: true FPR ratio 1.5.
    const probsA = [0.18, 0.14, 0.12, 0.56];
    const probsB = [0.18, 0.21, 0.12, 0.49];
    const random = createRandom(42);
    const draw = (p: number[]): DecisionCounts => {
      const [tp, fp, fn, tn] = multinomialDraw(1500, p, random) as [number, number, number, number];
      return decisionCountsFromConfusion(cells(tp, fp, fn, tn));
    };
    let covered = 0;
    const repetitions = 150;
    for (let r = 0; r < repetitions; r++) {
      const t = fairnessTable(
        [
          { key: ['A'], counts: draw(probsA) },
          { key: ['B'], counts: draw(probsB) },
        ],
        { attributes: ['g'], reference: ['A'], random, replicates: 400 },
      );
      const interval = t.groups.find((g) => g.label === 'B')?.disparities.falsePositiveRate.interval;
      if (interval && interval.lower <= 1.5 && 1.5 <= interval.upper) covered++;
    }
    expect(covered / repetitions).toBeGreaterThan(0.89);
    expect(covered / repetitions).toBeLessThanOrEqual(0.99);
  });
});

/**
 * A group as the service counts it: model referrals (weight 1), `pending` of them without an outcome
 * yet; random selections among releases with weight `w`, the other releases unlabelled.
 */
function serviceGroup(o: { tp: number; fp: number; pending: number; fn: number; tn: number; w: number; unlabelledReleased: number }): DecisionCounts {
  return {
    labelledRows: cells(o.tp, o.fp, o.fn, o.tn),
    labelledWeights: cells(o.tp, o.fp, o.fn * o.w, o.tn * o.w),
    labelledWeightsSquared: cells(o.tp, o.fp, o.fn * o.w * o.w, o.tn * o.w * o.w),
    unlabelledReferred: o.pending,
    unlabelledReleased: o.unlabelledReleased,
  };
}

describe('outcomes still pending: the same label-coverage correction as the performance report', () => {
  it('a group with half its referrals pending: FPR and FNR as the performance report estimates them', () => {
    // 100 model referrals, 50 with results (10 TP, 40 FP), 50 pending; 10,000 releases, 50 random
    // selections (weight 200) with results: 1 FN, 49 TN. Post-stratified: referred × 100/50 (TP 20,
    // FP 80), released × 10,000/10,000. FPR = 80/(80 + 9800), FNR = 200/(20 + 200), FOR = 200/10,000,
    // precision 10/50. Unadjusted, the referred stratum would weigh 50, not 100: FPR 40/9840.
    const counts = serviceGroup({ tp: 10, fp: 40, pending: 50, fn: 1, tn: 49, w: 200, unlabelledReleased: 9950 });
    const [table] = fairnessReport([{ key: ['all'], counts }], { attributes: ['sex'], random: createRandom(1), replicates: 50 });
    const m = table!.groups[0]!.metrics;
    expect(m.falsePositiveRate.value).toBeCloseTo(80 / 9880, 15);
    expect(m.falseNegativeRate.value).toBeCloseTo(200 / 220, 15);
    expect(m.falseOmissionRate.value).toBeCloseTo(0.02, 15);
    expect(m.precision.value).toBeCloseTo(0.2, 15);
    const performance = inversePropensityEstimates(postStratifyByRecommendation(counts));
    expect(m.falsePositiveRate.interval).toEqual(performance.falsePositiveRate.interval);
    expect(m.falseNegativeRate.interval).toEqual(performance.falseNegativeRate.interval);
    // The bootstrap's point formula (fairnessMetricValues) agrees with the table's.
    const values = fairnessMetricValues(counts, 100);
    expect(values.falsePositiveRate).toBeCloseTo(80 / 9880, 15);
    expect(values.falseNegativeRate).toBeCloseTo(200 / 220, 15);
  });

  // Reference A: 2000 referrals all with results (400 TP, 1600 FP); 20,000 releases, 1000 random
  // selections (weight 20): 20 FN, 980 TN. FPR 1600/(1600 + 19,600), FNR 400/800.
  const A = serviceGroup({ tp: 400, fp: 1600, pending: 0, fn: 20, tn: 980, w: 20, unlabelledReleased: 19_000 });

  it('equal error rates with unequal label coverage are no disparity, in the bootstrap too', () => {
    // B: the same crossings, but only a quarter of its referrals have results yet (100 TP, 400 FP,
    // 1500 pending). Post-stratified, × 4: the same FPR and FNR as A, ratio 1. Unadjusted, B's FPR
    // would be 400/20,000 (ratio 0.27) and FNR 400/500 (ratio 1.6), both flagged. The bootstrap
    // interval must be around the adjusted ratio: each replicate post-stratifies its own draw.
    const B = serviceGroup({ tp: 100, fp: 400, pending: 1500, fn: 20, tn: 980, w: 20, unlabelledReleased: 19_000 });
    const t = fairnessTable(
      [
        { key: ['A'], counts: A },
        { key: ['B'], counts: B },
      ],
      { attributes: ['group'], reference: ['A'], random: createRandom(7), replicates: 400 },
    );
    const b = t.groups.find((g) => g.label === 'B');
    expect(b?.metrics.falsePositiveRate.value).toBeCloseTo(1600 / 21_200, 15);
    for (const metric of ['falsePositiveRate', 'falseNegativeRate'] as const) {
      const d = b?.disparities[metric];
      expect(d?.ratio, metric).toBeCloseTo(1, 12);
      expect(d?.interval?.lower, metric).toBeLessThan(1);
      expect(d?.interval?.upper, metric).toBeGreaterThan(1);
      expect(d?.status, metric).toBe('within_band');
    }
    // FPR rests on 1600 + 400 false positives: about ±8 % (seeds 7-9 give [0.92, 1.08]).
    expect(b?.disparities.falsePositiveRate.interval?.lower).toBeGreaterThan(0.85);
    expect(b?.disparities.falsePositiveRate.interval?.upper).toBeLessThan(1.15);
  });

  it('a group whose referrals all await their outcome has no FPR or FNR (not 0), and keeps its FOR', () => {
    // P: 60 referrals, none with a result yet; 1000 releases, 50 random selections (weight 20):
    // 2 FN, 48 TN. TP and FP are unknown: FPR would read 0/(0 + 960) = 0 and FNR 40/40 = 1.
    // FOR lies within the released stratum: 40/1000. (minimumCount 0: judge even P's 2 positives.)
    const P = serviceGroup({ tp: 0, fp: 0, pending: 60, fn: 2, tn: 48, w: 20, unlabelledReleased: 950 });
    const t = fairnessTable(
      [
        { key: ['A'], counts: A },
        { key: ['P'], counts: P },
      ],
      { attributes: ['group'], reference: ['A'], random: createRandom(8), replicates: 100, minimumCount: 0 },
    );
    const p = t.groups.find((g) => g.label === 'P');
    for (const metric of ['falsePositiveRate', 'falseNegativeRate', 'precision', 'falseDiscoveryRate'] as const) {
      expect(p?.metrics[metric], metric).toMatchObject({ value: null, interval: null });
      expect(p?.disparities[metric], metric).toEqual({ ratio: null, interval: null, status: 'undefined' });
    }
    expect(p?.metrics.falseOmissionRate.value).toBeCloseTo(0.04, 15);
    expect(p?.disparities.falseOmissionRate.ratio).toBeCloseTo(0.04 / 0.02, 12);
    expect(p?.flagged).not.toContain('falsePositiveRate');
    const values = fairnessMetricValues(P, 2060);
    expect(values).toMatchObject({ falsePositiveRate: null, falseNegativeRate: null, precision: null });
    expect(values.falseOmissionRate).toBeCloseTo(0.04, 15);
  });
});

describe('intersections', () => {
  const groups: GroupCounts[] = [
    { key: ['F', 'young'], counts: decisionCountsFromConfusion(cells(5, 5, 5, 35)) },
    { key: ['F', 'old'], counts: decisionCountsFromConfusion(cells(3, 2, 5, 40)) },
    { key: ['M', 'young'], counts: decisionCountsFromConfusion(cells(20, 10, 10, 60)) },
  ];

  it('marginalizes intersections by summing their counts', () => {
    const bySex = marginalGroupCounts(groups, [0]);
    expect(bySex.map((g) => [g.key, g.counts.labelledRows])).toEqual([
      [['F'], cells(8, 7, 10, 75)],
      [['M'], cells(20, 10, 10, 60)],
    ]);
  });

  it('reports each attribute alone and their intersection, with the named references', () => {
    const tables = fairnessReport(groups, {
      attributes: ['sex', 'age'],
      references: { sex: 'F', age: 'young' },
      random: createRandom(5),
      replicates: 50,
      minimumCount: 0,
    });
    expect(tables.map((t) => [t.attributes.join('×'), t.reference.label])).toEqual([
      ['sex', 'F'],
      ['age', 'young'],
      ['sex×age', 'F & young'],
    ]);
    expect(tables[2]?.groups.map((g) => g.group)).toContainEqual({ sex: 'M', age: 'young' });
    // Without references for every attribute, the intersection falls back to the largest group.
    const partly = fairnessReport(groups, { attributes: ['sex', 'age'], references: { sex: 'F' }, random: createRandom(5), replicates: 10 });
    expect(partly[2]?.reference).toMatchObject({ label: 'M & young', chosenBy: 'largest' });
  });
});

describe('hit-rate (outcome) test', () => {
  it("matches scipy's chi2_contingency on COMPAS's hits and misses by race", () => {
    // scipy.stats.chi2_contingency([[1369,805],[505,349],[103,87],[43,36],[6,2],[9,3]], correction=False)
    // → statistic 11.431211514341584, p 0.043469800987110334
    const test = hitRateTest([
      { label: 'African-American', hits: 1369, misses: 805 },
      { label: 'Caucasian', hits: 505, misses: 349 },
      { label: 'Hispanic', hits: 103, misses: 87 },
      { label: 'Other', hits: 43, misses: 36 },
      { label: 'Asian', hits: 6, misses: 2 },
      { label: 'Native American', hits: 9, misses: 3 },
    ]);
    expect(test.chiSquare).toBeCloseTo(11.431211514341584, 10);
    expect(test.pValue).toBeCloseTo(0.043469800987110334, 10);
    expect(test.degreesOfFreedom).toBe(5);
    expect(test.caveat).toContain('infra-marginality');
  });

  it('is not computed with fewer than two inspected groups', () => {
    const test = hitRateTest([
      { label: 'a', hits: 3, misses: 2 },
      { label: 'b', hits: 0, misses: 0 },
    ]);
    expect(test.chiSquare).toBeNull();
    expect(test.groups).toHaveLength(1);
  });
});
