import type { BinnedDistribution } from '../models/model-card.ts';

/**
 * Drift: has the distribution of a feature (or of the score) moved away from the training data?
 *
 * Bins are fixed at training time and stored in the model card (`binnedDistributionSchema` of
 * models/model-card.ts): interior edges e_1 < … < e_{k−1}; bin i holds values in [e_{i−1}, e_i)
 * with e_0 = −∞ and e_k = +∞, so a value equal to an edge falls in the bin above it. A live window
 * is counted into the same bins and compared with two measures:
 *
 *   PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)        population stability index (Siddiqi, "Credit
 *                                                 Risk Scorecards", 2006; Yurdakul, 2018)
 *   JS  = √( ½ KL(a ‖ m) + ½ KL(e ‖ m) ),  m = ½(a + e), logarithms base 2
 *                                                 Jensen–Shannon distance (Endres & Schindelin,
 *                                                 IEEE Trans. Inf. Theory 49, 2003), in [0, 1]
 *
 * (e: reference proportions, a: actual proportions.) PSI is undefined for an empty bin, so both
 * proportions are floored at ε = 1e-4 (the usual choice; stated in the result) before it is
 * computed; JS needs no floor (0 · log 0 = 0). Levels: PSI < 0.1 none, 0.1 <= PSI < 0.25 warn,
 * PSI >= 0.25 alert (the conventional credit-scoring thresholds).
 *
 * Sampling noise: for k bins and n live values from an unchanged distribution, PSI is about
 * χ²_{k−1} / n (it is a symmetrised chi-square divergence), so its expected value is (k − 1)/n and
 * its 99th percentile for 10 bins about 22/n. A window needs a few hundred values before a PSI of
 * 0.1 means anything: below `minimumCount` (default 500) the level is `insufficient_data`.
 */

export const PSI_EPSILON = 1e-4;
export const PSI_WARN = 0.1;
export const PSI_ALERT = 0.25;
export const DEFAULT_DRIFT_BINS = 10;
export const DEFAULT_DRIFT_MINIMUM_COUNT = 500;

export type DriftLevel = 'none' | 'warn' | 'alert' | 'insufficient_data';

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}[${i}] must be a finite number, got ${values[i]}`);
  }
}

/**
 * Quantile bin edges from a training sample, each value counted by its weight (default 1): on a
 * training set exported from the service a random selection's row stands for 1/selection
 * probability crossings, and live histograms count every crossing.
 *
 * Sort the sample: v₍₀₎ <= … <= v₍ₙ₋₁₎ with weights w₍ᵢ₎, C_i = Σ_{m<i} w₍ₘ₎, W = C_n. Candidate j
 * (j = 1 … k−1) is v₍ᵢ₎ for the smallest i with C_{i+1} > j·W/k: the lowest value at which the
 * cumulative weight passes the share j/k. With unit weights that is rank ⌊j·n/k⌋, so each bin holds
 * about n/k values. Duplicate candidates are dropped (a feature with few distinct values gets fewer
 * bins), and so is any equal to the sample's minimum (its bin below would always be empty). Every
 * resulting bin holds weight > 0.
 */
export function quantileBinEdges(sample: ArrayLike<number>, bins = DEFAULT_DRIFT_BINS, weights?: ArrayLike<number>): number[] {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  if (sample.length === 0) throw new RangeError('cannot place bin edges without a sample');
  checkFinite(sample, 'sample');
  const total = totalWeight(sample.length, weights);
  // The sorted sample as distinct values and the weight at each (a native sort and a binary search
  // per row: several times faster than sorting row indices through a comparator).
  const sorted = Float64Array.from(sample).sort();
  let distinctCount = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinctCount++] = sorted[i]!;
  const distinct = sorted.subarray(0, distinctCount);
  const weightAt = new Float64Array(distinctCount);
  for (let i = 0; i < sample.length; i++) weightAt[indexOfValue(distinct, sample[i]!)] += weights === undefined ? 1 : weights[i]!;

  const minimum = distinct[0]!;
  const edges: number[] = [];
  let g = 0;
  let cumulative = weightAt[0]!; // the weight of values <= distinct[g]
  for (let j = 1; j < bins; j++) {
    const share = (j * total) / bins;
    // The first row whose cumulative weight passes the share lies in the first value group that does.
    while (!(cumulative > share) && g < distinctCount - 1) cumulative += weightAt[++g]!;
    const candidate = distinct[g]!;
    if (candidate > minimum && candidate !== edges[edges.length - 1]) edges.push(candidate);
  }
  return edges;
}

/** Σ weights (n when there are none), refusing weights that do not describe a distribution. */
function totalWeight(n: number, weights: ArrayLike<number> | undefined): number {
  if (weights === undefined) return n;
  if (weights.length !== n) throw new RangeError(`${n} values but ${weights.length} weights`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weights[${i}] must be a finite number >= 0, got ${w}`);
    total += w;
  }
  if (!(total > 0)) throw new RangeError('the weights sum to 0: no distribution to describe');
  return total;
}

/** The index of `value` in ascending distinct `values` (it is there). */
function indexOfValue(values: Float64Array, value: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bin of a value: the number of edges <= value (binary search). */
export function binIndex(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkEdges(edges: readonly number[]): void {
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i])) throw new RangeError(`edges[${i}] must be a finite number, got ${edges[i]}`);
    if (i > 0 && !((edges[i] as number) > (edges[i - 1] as number))) throw new RangeError(`edges must be strictly ascending; edges[${i}] = ${edges[i]} follows ${edges[i - 1]}`);
  }
}

/** Counts of values per bin (edges.length + 1 bins), each value counted by its weight (default 1). NaN or infinite values are refused. */
export function histogramCounts(values: ArrayLike<number>, edges: readonly number[], weights?: ArrayLike<number>): number[] {
  checkEdges(edges);
  if (weights !== undefined) totalWeight(values.length, weights);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new RangeError(`values[${i}] must be a finite number, got ${v}`);
    const b = binIndex(edges, v);
    counts[b] = (counts[b] as number) + (weights === undefined ? 1 : weights[i]!);
  }
  return counts;
}

/** Counts as shares summing to 1 (all zero when there are no counts). */
export function proportionsOf(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/** The distribution of values over fixed edges, as the model card stores it; each value counted by its weight (default 1). */
export function binnedDistribution(values: ArrayLike<number>, edges: readonly number[], weights?: ArrayLike<number>): BinnedDistribution {
  return { edges: [...edges], proportions: proportionsOf(histogramCounts(values, edges, weights)) };
}

/** A reference distribution for the card: quantile edges from the sample, then its proportions (weighted alike). */
export function referenceDistribution(sample: ArrayLike<number>, bins = DEFAULT_DRIFT_BINS, weights?: ArrayLike<number>): BinnedDistribution {
  return binnedDistribution(sample, quantileBinEdges(sample, bins, weights), weights);
}

function checkPair(reference: readonly number[], actual: readonly number[]): void {
  if (reference.length !== actual.length) throw new RangeError(`reference has ${reference.length} bins, actual has ${actual.length}`);
  if (reference.length === 0) throw new RangeError('no bins');
  for (const [name, p] of [['reference', reference], ['actual', actual]] as const) {
    for (let i = 0; i < p.length; i++) {
      if (!((p[i] as number) >= 0)) throw new RangeError(`${name} proportion ${i} must be >= 0, got ${p[i]}`);
    }
  }
}

/** PSI of actual proportions against reference proportions, both floored at `epsilon`. */
export function populationStabilityIndex(reference: readonly number[], actual: readonly number[], epsilon = PSI_EPSILON): number {
  checkPair(reference, actual);
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const e = Math.max(reference[i] as number, epsilon);
    const a = Math.max(actual[i] as number, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** Jensen–Shannon distance (base 2, in [0, 1]) between two distributions over the same bins. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  checkPair(p, q);
  const sumP = p.reduce((a, b) => a + b, 0);
  const sumQ = q.reduce((a, b) => a + b, 0);
  if (sumP === 0 || sumQ === 0) throw new RangeError('a distribution with no mass has no Jensen–Shannon distance');
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = (p[i] as number) / sumP;
    const b = (q[i] as number) / sumQ;
    const m = (a + b) / 2;
    if (a > 0) divergence += 0.5 * a * Math.log2(a / m);
    if (b > 0) divergence += 0.5 * b * Math.log2(b / m);
  }
  return Math.sqrt(Math.max(0, Math.min(1, divergence)));
}

export function driftLevel(psi: number): Exclude<DriftLevel, 'insufficient_data'> {
  return psi >= PSI_ALERT ? 'alert' : psi >= PSI_WARN ? 'warn' : 'none';
}

export interface DriftResult {
  readonly name: string;
  /** Live values counted. */
  readonly count: number;
  readonly psi: number | null;
  readonly jensenShannon: number | null;
  readonly level: DriftLevel;
  /** Live proportions per bin, beside the reference's. */
  readonly actual: readonly number[];
  readonly reference: readonly number[];
}

export interface DriftOptions {
  readonly minimumCount?: number;
  readonly epsilon?: number;
}

/** Compares live counts (over the reference's bins) with the reference distribution. */
export function compareWithReference(name: string, reference: BinnedDistribution, liveCounts: readonly number[], options: DriftOptions = {}): DriftResult {
  const bins = reference.edges.length + 1;
  if (reference.proportions.length !== bins) {
    throw new RangeError(`${name}: the reference has ${reference.edges.length} edges, so ${bins} proportions are needed, got ${reference.proportions.length}`);
  }
  if (liveCounts.length !== bins) throw new RangeError(`${name}: ${liveCounts.length} live counts for ${bins} bins`);
  const count = liveCounts.reduce((a, b) => a + b, 0);
  const actual = proportionsOf(liveCounts);
  const minimumCount = options.minimumCount ?? DEFAULT_DRIFT_MINIMUM_COUNT;
  if (count === 0) return { name, count, psi: null, jensenShannon: null, level: 'insufficient_data', actual, reference: reference.proportions };
  const psi = populationStabilityIndex(reference.proportions, actual, options.epsilon);
  return {
    name,
    count,
    psi,
    jensenShannon: jensenShannonDistance(reference.proportions, actual),
    level: count < minimumCount ? 'insufficient_data' : driftLevel(psi),
    actual,
    reference: reference.proportions,
  };
}

/** Most drifted first: by PSI, descending; results with too few live values after the rest (their PSI is mostly noise); then by name. */
export function rankByDrift(results: readonly DriftResult[]): DriftResult[] {
  const judged = (r: DriftResult): number => (r.level === 'insufficient_data' ? 1 : 0);
  return [...results].sort((a, b) => judged(a) - judged(b) || (b.psi ?? -1) - (a.psi ?? -1) || a.name.localeCompare(b.name));
}
