import { chiSquareSurvival } from './distributions.ts';

/**
 * The outcome (hit-rate) test across groups (Becker, "The Economics of Discrimination", 1957;
 * Knowles, Persico & Todd, J. Polit. Econ. 109, 2001; Ayres, "Outcome tests of racial disparities in
 * police practices", 2002): if referrals of one group find contraband less often, the bar for
 * referring that group may be lower.
 *
 * Computed here as Pearson's chi-square test of homogeneity of the hit rate (hits / inspected
 * referrals) across the groups with at least one inspected referral: a 2 × k table, k − 1 degrees of
 * freedom. The statistic uses row counts: every model referral is inspected with propensity 1, so the
 * inspected referrals of a group are the referrals themselves, not a weighted sample.
 */

export const INFRA_MARGINALITY_CAVEAT =
  'The hit-rate (outcome) test compares how often referrals of each group find contraband. A lower hit rate for a group ' +
  'suggests its members are referred on weaker evidence, but the test is subject to infra-marginality: hit rates ' +
  'average over everyone referred, not over the marginal (just-referred) case, so groups whose risk is distributed ' +
  'differently can show different hit rates under one threshold applied to all, and equal hit rates do not prove equal ' +
  'treatment (Ayres 2002; Simoiu, Corbett-Davies & Goel, "The problem of infra-marginality in outcome tests for ' +
  'discrimination", Annals of Applied Statistics 11, 2017). Read it as a prompt for review, not as a finding.';

export interface HitRateGroup {
  readonly label: string;
  readonly hits: number;
  readonly misses: number;
}

export interface HitRateTest {
  /** Groups with at least one inspected referral, in the order given. */
  readonly groups: readonly { label: string; inspected: number; hits: number; hitRate: number }[];
  readonly pooledHitRate: number | null;
  /** Pearson's X²; null with fewer than two groups or when every referral hit (or none did). */
  readonly chiSquare: number | null;
  readonly degreesOfFreedom: number;
  readonly pValue: number | null;
  /** The smallest expected cell count; below 5 the chi-square approximation is rough (Cochran 1954). */
  readonly smallestExpectedCount: number | null;
  readonly caveat: string;
}

export function hitRateTest(groups: readonly HitRateGroup[]): HitRateTest {
  const used = groups
    .filter((g) => g.hits + g.misses > 0)
    .map((g) => ({ label: g.label, inspected: g.hits + g.misses, hits: g.hits, hitRate: g.hits / (g.hits + g.misses) }));
  const inspected = used.reduce((s, g) => s + g.inspected, 0);
  const hits = used.reduce((s, g) => s + g.hits, 0);
  const pooled = inspected === 0 ? null : hits / inspected;
  const df = Math.max(0, used.length - 1);
  if (pooled === null || used.length < 2 || pooled === 0 || pooled === 1) {
    return { groups: used, pooledHitRate: pooled, chiSquare: null, degreesOfFreedom: df, pValue: null, smallestExpectedCount: null, caveat: INFRA_MARGINALITY_CAVEAT };
  }
  let chiSquare = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (const g of used) {
    const expectedHits = g.inspected * pooled;
    const expectedMisses = g.inspected * (1 - pooled);
    chiSquare += (g.hits - expectedHits) ** 2 / expectedHits + (g.inspected - g.hits - expectedMisses) ** 2 / expectedMisses;
    smallest = Math.min(smallest, expectedHits, expectedMisses);
  }
  return {
    groups: used,
    pooledHitRate: pooled,
    chiSquare,
    degreesOfFreedom: df,
    pValue: chiSquareSurvival(chiSquare, df),
    smallestExpectedCount: smallest,
    caveat: INFRA_MARGINALITY_CAVEAT,
  };
}
