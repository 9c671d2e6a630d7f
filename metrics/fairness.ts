import type { Random } from '../lib/random.ts';
import { ratioOrNull } from './confusion.ts';
import { multinomialDrawInto } from './binomial-sampling.ts';
import {
  addDecisionCounts,
  cellRows,
  checkDecisionCounts,
  decisionTotal,
  labelledTotal,
  meanCellWeights,
  referralTotal,
  type DecisionCounts,
} from './decision-counts.ts';
import { DEFAULT_CONFIDENCE, percentileInterval, wilsonInterval, type Interval } from './intervals.ts';
import { postStratificationFactor, postStratifyByRecommendation } from './label-coverage.ts';
import { hitRateTest, type HitRateTest } from './outcome-test.ts';
import { referralsSampled, releasesSampled, stratifiedProportion, type ProportionEstimate } from './selective-labels.ts';

/**
 * The group fairness table: per group of one audit attribute (or of an intersection of several),
 * the confusion-matrix metrics of the Aequitas toolkit (Saleiro et al., "Aequitas: A Bias and
 * Fairness Audit Toolkit", arXiv:1811.05577, 2018) and their disparities against a reference group.
 *
 * Metrics (definitions in confusion.ts; estimates from the counts of decision-counts.ts):
 *   PPR        the group's share of all referrals         referrals_g / Σ referrals
 *   PPrev      referral rate within the group             referrals_g / decisions_g
 *   precision  hit rate of the model's referrals          TP_w / (TP_w + FP_w)
 *   FDR        1 − precision                              FP_w / (TP_w + FP_w)
 *   FPR, FNR, FOR   from the labelled sample (the random selection), inverse-propensity weighted
 *                   (selective-labels.ts)
 * PPR and PPrev count decisions, all of which are observed; the others use labelled rows only.
 * Each group's weights are first post-stratified by the model's recommendation (label-coverage.ts,
 * the correction the performance report applies), so a group whose referrals are partly still
 * pending does not see its referred stratum count too little in FPR and FNR; ratios within one
 * stratum (precision, FDR, FOR) are unchanged by it. Positivity, per group (selective-labels.ts):
 * FPR and FNR are null while the group has releases but no labelled release, or referrals but no
 * labelled referral; FOR only in the first case; precision and FDR when no referral is labelled.
 * The group's `counts` stay the raw sums (they add across groups; the adjusted weights do not).
 *
 * Disparity = metric_g / metric_reference (Aequitas). The reference group is the one named, else the
 * largest (most decisions). Intervals: Wilson for each metric, for the weighted ones as
 * selective-labels.ts stratifiedProportion gives them (Wilson within one stratum, the Šidák box
 * across both: FPR, FNR); percentile bootstrap for each disparity, resampling the decisions of every group with
 * replacement, independently per group, from its counts (decision-counts.ts). PPR's total is
 * recomputed in every replicate. Where a rate is exactly 0 or 1 the bootstrap cannot vary it, and
 * the disparity interval comes from the two Wilson intervals instead (wilsonRatioBounds).
 *
 * The flag rule, and why. A disparity is compared with a band (default [0.8, 1.25]: the "four-fifths
 * rule" of the US EEOC Uniform Guidelines, 29 CFR 1607.4(D), made symmetric, as Aequitas does).
 * With small groups a ratio drifts outside the band by sampling noise alone, so the point estimate
 * is not enough to judge:
 *   - outside_band (flagged): the whole confidence interval lies outside the band — the disparity
 *     is beyond the band with at least (1 + confidence)/2 one-sided confidence;
 *   - inconclusive: the point estimate is outside the band but the interval reaches into it (or
 *     could not be computed) — shown, not judged; more data will settle it;
 *   - within_band: the point estimate is inside the band (which does not prove parity: read the
 *     interval);
 *   - too_small: the metric's denominator in this group or in the reference has fewer than
 *     `minimumCount` rows (decisions for PPR/PPrev, labelled referrals for precision/FDR, labelled
 *     negatives for FPR, labelled positives for FNR, labelled releases for FOR);
 *   - undefined: the ratio has no value (a zero or missing reference metric).
 * A group with fewer than `minimumCount` decisions is reported as too small as a whole.
 */

/** The flag rule above, as the reports state it. */
export const FLAG_RULE =
  'A disparity (group metric / reference metric) is flagged (outside_band) only when its whole confidence interval lies ' +
  'outside the band; a point estimate outside the band whose interval reaches into it is inconclusive (shown, not judged); ' +
  'inside the band is within_band, which is not proof of parity. Metrics whose denominator has fewer than the minimum ' +
  'count of rows, in the group or in the reference, are too_small and not judged.';

/** The named reference group is not among the groups with decisions. */
export class UnknownReferenceGroupError extends RangeError {
  override name = 'UnknownReferenceGroupError';
}

export const FAIRNESS_METRICS = [
  'predictedPositiveRatio',
  'predictedPrevalence',
  'precision',
  'falseDiscoveryRate',
  'falsePositiveRate',
  'falseNegativeRate',
  'falseOmissionRate',
] as const;
export type FairnessMetric = (typeof FAIRNESS_METRICS)[number];

/** The short names Aequitas and ProPublica use. */
export const FAIRNESS_METRIC_ABBREVIATIONS: Readonly<Record<FairnessMetric, string>> = {
  predictedPositiveRatio: 'PPR',
  predictedPrevalence: 'PPrev',
  precision: 'Precision',
  falseDiscoveryRate: 'FDR',
  falsePositiveRate: 'FPR',
  falseNegativeRate: 'FNR',
  falseOmissionRate: 'FOR',
};

export interface DisparityBand {
  readonly lower: number;
  readonly upper: number;
}

export const DEFAULT_BAND: DisparityBand = { lower: 0.8, upper: 1.25 };
export const DEFAULT_MINIMUM_COUNT = 30;

/**
 * Bootstrap replicates of the disparity intervals, for the monitoring API and the audit CLI alike,
 * so the same decisions give the same table (they differed: 500 and 1,000, and a ratio flagged by
 * one was inconclusive in the other).
 */
export const DEFAULT_FAIRNESS_REPLICATES = 500;

export interface GroupCounts {
  /** The group's value of each attribute, in the order of `attributes`. */
  readonly key: readonly string[];
  readonly counts: DecisionCounts;
}

export interface FairnessOptions {
  readonly attributes: readonly string[];
  /** Key of the reference group; default the largest group. */
  readonly reference?: readonly string[];
  readonly band?: DisparityBand;
  readonly minimumCount?: number;
  readonly confidence?: number;
  readonly replicates?: number;
  /** For the bootstrap (seeded for a reproducible report). */
  readonly random: Random;
}

export type DisparityStatus = 'reference' | 'within_band' | 'outside_band' | 'inconclusive' | 'too_small' | 'undefined';

export interface Disparity {
  readonly ratio: number | null;
  readonly interval: Interval | null;
  readonly status: DisparityStatus;
}

export interface MetricEstimate extends ProportionEstimate {
  /** The metric's denominator is below the minimum count. */
  readonly tooSmall: boolean;
}

export interface FairnessGroup {
  readonly key: readonly string[];
  /** attribute → value. */
  readonly group: Readonly<Record<string, string>>;
  readonly label: string;
  readonly status: 'ok' | 'too_small';
  readonly decisions: number;
  readonly referrals: number;
  readonly labelled: number;
  readonly counts: DecisionCounts;
  readonly metrics: Readonly<Record<FairnessMetric, MetricEstimate>>;
  readonly disparities: Readonly<Record<FairnessMetric, Disparity>>;
  /** Metrics whose disparity is outside_band. */
  readonly flagged: readonly FairnessMetric[];
}

export interface FairnessTable {
  readonly attributes: readonly string[];
  readonly reference: { readonly key: readonly string[]; readonly label: string; readonly chosenBy: 'given' | 'largest' };
  readonly band: DisparityBand;
  readonly confidence: number;
  readonly minimumCount: number;
  readonly replicates: number;
  readonly totals: { readonly decisions: number; readonly referrals: number; readonly labelled: number };
  /** Largest first. */
  readonly groups: readonly FairnessGroup[];
  readonly outcomeTest: HitRateTest;
}

/** How a group is shown: its values joined by " & ", an empty value as "(empty)". */
export function groupLabel(key: readonly string[]): string {
  return key.map((v) => (v === '' ? '(empty)' : v)).join(' & ');
}

const sameKey = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Cells (of decision-counts.ts) behind each labelled metric, and the strata whose labels it needs (positivity). */
const LABELLED_METRICS = {
  precision: { numerator: ['truePositives'], denominator: ['truePositives', 'falsePositives'], needsReferred: true, needsReleased: false },
  falseDiscoveryRate: { numerator: ['falsePositives'], denominator: ['truePositives', 'falsePositives'], needsReferred: true, needsReleased: false },
  falsePositiveRate: { numerator: ['falsePositives'], denominator: ['falsePositives', 'trueNegatives'], needsReferred: true, needsReleased: true },
  falseNegativeRate: { numerator: ['falseNegatives'], denominator: ['truePositives', 'falseNegatives'], needsReferred: true, needsReleased: true },
  falseOmissionRate: { numerator: ['falseNegatives'], denominator: ['falseNegatives', 'trueNegatives'], needsReferred: false, needsReleased: true },
} as const;

type LabelledMetric = keyof typeof LABELLED_METRICS;

/** a / b, NaN when b is 0 (module level: a closure per call costs in the bootstrap's inner loop). */
function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}

/**
 * Every metric's point value from the six cells (rows: TP, FP, FN, TN, unlabelled referred,
 * unlabelled released; and the labelled cells' summed weights, already post-stratified), written to
 * out[offset …] in FAIRNESS_METRICS order, NaN where undefined. The one definition behind both
 * fairnessMetricValues and each bootstrap replicate (which calls it millions of times, hence
 * numbers rather than objects).
 */
function writeMetricValues(
  rows: ArrayLike<number>,
  tpW: number,
  fpW: number,
  fnW: number,
  tnW: number,
  allReferrals: number,
  out: Float64Array,
  offset: number,
): void {
  const referrals = (rows[0] as number) + (rows[1] as number) + (rows[4] as number);
  const decisions = referrals + (rows[2] as number) + (rows[3] as number) + (rows[5] as number);
  // Positivity (selective-labels.ts): a rate spanning a stratum needs labelled rows there when the
  // stratum has decisions (precision and FDR, within the referred stratum, are NaN without them anyway).
  const released = rows[5] === 0 || (rows[2] as number) + (rows[3] as number) > 0;
  const referred = rows[4] === 0 || (rows[0] as number) + (rows[1] as number) > 0;
  out[offset] = ratio(referrals, allReferrals);
  out[offset + 1] = ratio(referrals, decisions);
  out[offset + 2] = ratio(tpW, tpW + fpW);
  out[offset + 3] = ratio(fpW, tpW + fpW);
  out[offset + 4] = released && referred ? ratio(fpW, fpW + tnW) : Number.NaN;
  out[offset + 5] = released && referred ? ratio(fnW, fnW + tpW) : Number.NaN;
  out[offset + 6] = released ? ratio(fnW, fnW + tnW) : Number.NaN;
}

/** Point values of every metric (no intervals), null where undefined. */
export function fairnessMetricValues(c: DecisionCounts, allReferrals: number): Record<FairnessMetric, number | null> {
  const out = new Float64Array(FAIRNESS_METRICS.length);
  const w = postStratifyByRecommendation(c).labelledWeights;
  writeMetricValues(cellRows(c), w.truePositives, w.falsePositives, w.falseNegatives, w.trueNegatives, allReferrals, out, 0);
  return Object.fromEntries(FAIRNESS_METRICS.map((m, i) => [m, Number.isNaN(out[i]) ? null : (out[i] as number)])) as Record<FairnessMetric, number | null>;
}

/**
 * Bootstrap replicates of every disparity: in each replicate every group's decisions are redrawn
 * from its cells (decision-counts.ts resampleDecisionCounts, done here on plain arrays for speed),
 * the redrawn weights post-stratified by the redrawn strata (label-coverage.ts, as the table is),
 * PPR's total recomputed, and each metric divided by the reference's. Returns one Float64Array of
 * replicates per (metric, group), index m · groups + g; NaN where undefined.
 */
function bootstrapDisparities(groups: readonly DecisionCounts[], referenceIndex: number, replicates: number, random: Random): Float64Array[] {
  const G = groups.length;
  const M = FAIRNESS_METRICS.length;
  const rows = groups.map((c) => cellRows(c));
  const sizes = groups.map((c) => decisionTotal(c));
  const weights = groups.map((c) => meanCellWeights(c));
  const drawn = groups.map(() => new Float64Array(6));
  const values = new Float64Array(G * M);
  const ratios = Array.from({ length: M * G }, () => new Float64Array(replicates));
  for (let r = 0; r < replicates; r++) {
    let total = 0;
    for (let g = 0; g < G; g++) {
      const d = drawn[g] as Float64Array;
      multinomialDrawInto(sizes[g] as number, rows[g] as Float64Array, random, d);
      total += (d[0] as number) + (d[1] as number) + (d[4] as number);
    }
    for (let g = 0; g < G; g++) {
      const d = drawn[g] as Float64Array;
      const w = weights[g] as Float64Array;
      const tpW = (d[0] as number) * (w[0] as number);
      const fpW = (d[1] as number) * (w[1] as number);
      const fnW = (d[2] as number) * (w[2] as number);
      const tnW = (d[3] as number) * (w[3] as number);
      const referred = postStratificationFactor((d[0] as number) + (d[1] as number) + (d[4] as number), tpW + fpW);
      const released = postStratificationFactor((d[2] as number) + (d[3] as number) + (d[5] as number), fnW + tnW);
      writeMetricValues(d, tpW * referred, fpW * referred, fnW * released, tnW * released, total, values, g * M);
    }
    for (let m = 0; m < M; m++) {
      const reference = values[referenceIndex * M + m] as number;
      for (let g = 0; g < G; g++) {
        (ratios[m * G + g] as Float64Array)[r] = reference === 0 ? Number.NaN : (values[g * M + m] as number) / reference;
      }
    }
  }
  return ratios;
}

function metricEstimates(c: DecisionCounts, allReferrals: number, minimumCount: number, confidence: number): Record<FairnessMetric, MetricEstimate> {
  const decisions = decisionTotal(c);
  const referrals = referralTotal(c);
  const released = releasesSampled(c);
  const referred = referralsSampled(c);
  const adjusted = postStratifyByRecommendation(c);
  const labelled = (metric: LabelledMetric): MetricEstimate => {
    const spec = LABELLED_METRICS[metric];
    const e = stratifiedProportion(adjusted, spec.numerator, spec.denominator, confidence);
    const usable = (!spec.needsReleased || released) && (!spec.needsReferred || referred);
    return { ...e, value: usable ? e.value : null, interval: usable ? e.interval : null, tooSmall: e.rows < minimumCount };
  };
  return {
    predictedPositiveRatio: {
      value: ratioOrNull(referrals, allReferrals),
      interval: wilsonInterval(referrals, allReferrals, confidence),
      rows: decisions,
      weight: decisions,
      tooSmall: decisions < minimumCount,
    },
    predictedPrevalence: {
      value: ratioOrNull(referrals, decisions),
      interval: wilsonInterval(referrals, decisions, confidence),
      rows: decisions,
      weight: decisions,
      tooSmall: decisions < minimumCount,
    },
    precision: labelled('precision'),
    falseDiscoveryRate: labelled('falseDiscoveryRate'),
    falsePositiveRate: labelled('falsePositiveRate'),
    falseNegativeRate: labelled('falseNegativeRate'),
    falseOmissionRate: labelled('falseOmissionRate'),
  };
}

/** A rate of exactly 0 or 1: where resampling the observed cells cannot vary it. */
function atBoundary(value: number | null): boolean {
  return value === 0 || value === 1;
}

/**
 * The disparity interval when a rate sits at 0 or 1. The percentile bootstrap redraws from the
 * observed cells, so a group with no referrals gets no referrals in every replicate and its interval
 * collapses to [0, 0]: a flag from sampling noise alone (46 people at an 8 % rate have no referral
 * 2 % of the time). There the interval is bounded by the intervals of the two rates instead (Wilson,
 * or for FPR and FNR the stratified box),
 * [lower_g / upper_ref, upper_g / lower_ref], which keep their coverage at 0 and 1 (intervals.ts) and
 * so can only widen the verdict towards inconclusive. null (no interval: not judged) when either
 * interval is missing or the reference's lower bound is 0, where the ratio has no upper bound.
 */
export function wilsonRatioBounds(group: Interval | null, reference: Interval | null): Interval | null {
  if (group === null || reference === null || reference.lower === 0) return null;
  return { lower: group.lower / reference.upper, upper: group.upper / reference.lower };
}

/** The band verdict for one disparity (see the flag rule above). */
export function disparityStatus(ratio: number | null, interval: Interval | null, band: DisparityBand): Exclude<DisparityStatus, 'reference' | 'too_small'> {
  if (ratio === null) return 'undefined';
  const outside = ratio < band.lower || ratio > band.upper;
  if (!outside) return 'within_band';
  if (interval !== null && (interval.upper < band.lower || interval.lower > band.upper)) return 'outside_band';
  return 'inconclusive';
}

function checkOptions(options: FairnessOptions): void {
  const band = options.band ?? DEFAULT_BAND;
  if (!(band.lower > 0 && band.lower <= 1 && band.upper >= 1 && Number.isFinite(band.upper))) {
    throw new RangeError(`band must satisfy 0 < lower <= 1 <= upper, got [${band.lower}, ${band.upper}]`);
  }
  const minimumCount = options.minimumCount ?? DEFAULT_MINIMUM_COUNT;
  if (!(Number.isInteger(minimumCount) && minimumCount >= 0)) throw new RangeError(`minimumCount must be an integer >= 0, got ${minimumCount}`);
  const replicates = options.replicates ?? DEFAULT_FAIRNESS_REPLICATES;
  if (!(Number.isInteger(replicates) && replicates >= 1)) throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  if (options.attributes.length === 0) throw new RangeError('name at least one attribute');
}

/** The group table for one attribute, or for the intersection of several (a group per combination present). */
export function fairnessTable(groupCounts: readonly GroupCounts[], options: FairnessOptions): FairnessTable {
  checkOptions(options);
  const band = options.band ?? DEFAULT_BAND;
  const minimumCount = options.minimumCount ?? DEFAULT_MINIMUM_COUNT;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const replicates = options.replicates ?? DEFAULT_FAIRNESS_REPLICATES;
  for (const g of groupCounts) {
    if (g.key.length !== options.attributes.length) {
      throw new RangeError(`group ${groupLabel(g.key)} has ${g.key.length} values for ${options.attributes.length} attributes (${options.attributes.join(', ')})`);
    }
    checkDecisionCounts(g.counts, `group ${groupLabel(g.key)}`);
  }
  const groups = [...groupCounts]
    .filter((g) => decisionTotal(g.counts) > 0)
    .sort((a, b) => decisionTotal(b.counts) - decisionTotal(a.counts) || groupLabel(a.key).localeCompare(groupLabel(b.key)));
  if (groups.length === 0) throw new RangeError('no decisions in any group');

  let referenceIndex = 0;
  if (options.reference !== undefined) {
    const wanted = options.reference;
    referenceIndex = groups.findIndex((g) => sameKey(g.key, wanted));
    if (referenceIndex === -1) {
      throw new UnknownReferenceGroupError(
        `reference group ${groupLabel(wanted)} has no decisions; the groups are: ${groups.map((g) => groupLabel(g.key)).join(', ')}`,
      );
    }
  }
  const reference = groups[referenceIndex] as GroupCounts;
  const allReferrals = groups.reduce((s, g) => s + referralTotal(g.counts), 0);
  const estimates = groups.map((g) => metricEstimates(g.counts, allReferrals, minimumCount, confidence));
  const referenceEstimates = estimates[referenceIndex] as Record<FairnessMetric, MetricEstimate>;

  const ratios = bootstrapDisparities(
    groups.map((g) => g.counts),
    referenceIndex,
    replicates,
    options.random,
  );

  const rows: FairnessGroup[] = groups.map((g, gi) => {
    const own = estimates[gi] as Record<FairnessMetric, MetricEstimate>;
    const decisions = decisionTotal(g.counts);
    const disparities = {} as Record<FairnessMetric, Disparity>;
    FAIRNESS_METRICS.forEach((metric, m) => {
      const value = own[metric].value;
      const referenceValue = referenceEstimates[metric].value;
      const ratio = value === null || referenceValue === null || referenceValue === 0 ? null : value / referenceValue;
      if (gi === referenceIndex) {
        disparities[metric] = { ratio, interval: null, status: 'reference' };
        return;
      }
      const interval =
        ratio === null
          ? null
          : atBoundary(value) || atBoundary(referenceValue)
            ? wilsonRatioBounds(own[metric].interval, referenceEstimates[metric].interval)
            : percentileInterval(ratios[m * groups.length + gi] as Float64Array, confidence);
      const tooSmall = own[metric].tooSmall || referenceEstimates[metric].tooSmall;
      disparities[metric] = { ratio, interval, status: tooSmall ? 'too_small' : disparityStatus(ratio, interval, band) };
    });
    return {
      key: g.key,
      group: Object.fromEntries(options.attributes.map((a, i) => [a, g.key[i] as string])),
      label: groupLabel(g.key),
      status: decisions < minimumCount ? 'too_small' : 'ok',
      decisions,
      referrals: referralTotal(g.counts),
      labelled: labelledTotal(g.counts),
      counts: g.counts,
      metrics: own,
      disparities,
      flagged: FAIRNESS_METRICS.filter((m) => disparities[m].status === 'outside_band'),
    };
  });

  return {
    attributes: [...options.attributes],
    reference: { key: reference.key, label: groupLabel(reference.key), chosenBy: options.reference === undefined ? 'largest' : 'given' },
    band,
    confidence,
    minimumCount,
    replicates,
    totals: {
      decisions: rows.reduce((s, g) => s + g.decisions, 0),
      referrals: allReferrals,
      labelled: rows.reduce((s, g) => s + g.labelled, 0),
    },
    groups: rows,
    outcomeTest: hitRateTest(
      rows.map((g) => ({ label: g.label, hits: g.counts.labelledRows.truePositives, misses: g.counts.labelledRows.falsePositives })),
    ),
  };
}

/**
 * Sums group counts over the attributes not kept: from intersections of (sex, ageBand, citizenship)
 * to the groups of sex alone, say. `keep` lists attribute positions in the keys.
 */
export function marginalGroupCounts(groupCounts: readonly GroupCounts[], keep: readonly number[]): GroupCounts[] {
  const merged = new Map<string, GroupCounts>();
  for (const g of groupCounts) {
    const key = keep.map((i) => {
      const v = g.key[i];
      if (v === undefined) throw new RangeError(`attribute position ${i} is outside the key ${groupLabel(g.key)}`);
      return v;
    });
    const id = JSON.stringify(key);
    const seen = merged.get(id);
    merged.set(id, { key, counts: seen === undefined ? g.counts : addDecisionCounts(seen.counts, g.counts) });
  }
  return [...merged.values()];
}

export interface FairnessReportOptions extends Omit<FairnessOptions, 'reference'> {
  /** attribute → value of the reference group; an attribute left out takes its largest group. */
  readonly references?: Readonly<Record<string, string>>;
}

/**
 * One table per attribute and, when several attributes are named, one for their intersection
 * (reference: the combination of the named references when every attribute has one, else the
 * largest). `groupCounts` are keyed by every attribute, in the order of `attributes`.
 */
export function fairnessReport(groupCounts: readonly GroupCounts[], options: FairnessReportOptions): FairnessTable[] {
  const { references = {}, attributes, ...rest } = options;
  for (const name of Object.keys(references)) {
    if (!attributes.includes(name)) throw new RangeError(`reference names attribute '${name}', which is not among ${attributes.join(', ')}`);
  }
  const tables = attributes.map((attribute, i) => {
    const value = references[attribute];
    return fairnessTable(marginalGroupCounts(groupCounts, [i]), {
      ...rest,
      random: options.random.fork(),
      attributes: [attribute],
      ...(value === undefined ? {} : { reference: [value] }),
    });
  });
  if (attributes.length > 1) {
    const all = attributes.map((a) => references[a]);
    const reference = all.every((v) => v !== undefined) ? (all as string[]) : undefined;
    tables.push(
      fairnessTable(marginalGroupCounts(groupCounts, attributes.map((_, i) => i)), {
        ...rest,
        random: options.random.fork(),
        attributes,
        ...(reference === undefined ? {} : { reference }),
      }),
    );
  }
  return tables;
}
