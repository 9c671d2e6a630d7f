import type { Random } from '../lib/random.ts';
import { twoSidedZ } from './distributions.ts';

/**
 * Confidence intervals. Closed forms where one fits (Wilson for a proportion), percentile
 * bootstrap where none does (ratios of rates between groups). Defaults: 95 %.
 */

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

export const DEFAULT_CONFIDENCE = 0.95;

/**
 * Wilson score interval for a binomial proportion (E. B. Wilson, JASA 22, 1927):
 *
 *   centre = (p̂ + z²/2n) / (1 + z²/n),  half-width = z √(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n)
 *
 * with p̂ = successes / trials and z the two-sided normal critical value. Unlike the Wald interval it
 * stays inside [0, 1] and keeps near-nominal coverage at small n and at p̂ = 0 or 1 (Newcombe,
 * Stat. Med. 17, 1998; Brown, Cai & DasGupta, Stat. Sci. 16, 2001). `trials` may be fractional
 * (an effective sample size). null when trials = 0.
 */
export function wilsonInterval(successes: number, trials: number, confidence = DEFAULT_CONFIDENCE): Interval | null {
  if (!(trials >= 0 && Number.isFinite(trials))) throw new RangeError(`trials must be a finite number >= 0, got ${trials}`);
  if (!(successes >= 0 && successes <= trials * (1 + 1e-12))) throw new RangeError(`successes must be in [0, trials], got ${successes} of ${trials}`);
  if (trials === 0) return null;
  const z = twoSidedZ(confidence);
  const p = Math.min(1, successes / trials);
  return wilsonAround(p, trials, z);
}

function wilsonAround(p: number, n: number, z: number): Interval {
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At p = 0 (or 1) the bound is 0 (or 1) exactly; the subtraction leaves a rounding residue (2.8e-17).
  return { lower: p === 0 ? 0 : Math.max(0, centre - half), upper: p === 1 ? 1 : Math.min(1, centre + half) };
}

/**
 * Wilson interval around an estimated proportion whose sampling variance is known from elsewhere
 * (a weighted, inverse-propensity estimate): the Wilson formula with n replaced by the effective
 * sample size n* = p̂(1−p̂)/v̂ (Korn & Graubard, Survey Methodology 24, 1998, use this n* with
 * Clopper–Pearson; Dean & Pagano, J. Survey Stat. Methodol. 3, 2015, show Wilson with it
 * performs as well). When v̂ = 0 (p̂ = 0 or 1) n* is undefined and `fallbackSize` is used: the
 * Kish effective size of the rows behind the estimate.
 */
export function wilsonIntervalWithVariance(
  estimate: number,
  variance: number,
  fallbackSize: number,
  confidence = DEFAULT_CONFIDENCE,
): Interval | null {
  if (!(estimate >= 0 && estimate <= 1)) throw new RangeError(`estimate must be in [0, 1], got ${estimate}`);
  const n = variance > 0 && estimate > 0 && estimate < 1 ? (estimate * (1 - estimate)) / variance : fallbackSize;
  if (!(n > 0)) return null;
  return wilsonAround(estimate, n, twoSidedZ(confidence));
}

/**
 * The q-quantile of sorted values, linear interpolation between order statistics
 * (Hyndman & Fan type 7, the default of R and NumPy).
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be in [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo] as number;
  return a + (h - lo) * ((sorted[hi] as number) - a);
}

/**
 * Percentile bootstrap interval (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993,
 * ch. 13): the α/2 and 1 − α/2 quantiles of the statistic over replicates. Replicates where the
 * statistic is undefined (null or NaN: a zero denominator in a resample) are left out; when more than
 * `maxUndefinedShare` (default 5 %) of them are, the interval is null: the data are too thin for
 * the statistic to be stable.
 */
export function percentileInterval(
  replicates: ArrayLike<number | null>,
  confidence = DEFAULT_CONFIDENCE,
  maxUndefinedShare = 0.05,
): Interval | null {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const defined = new Float64Array(replicates.length);
  let count = 0;
  for (let i = 0; i < replicates.length; i++) {
    const v = replicates[i];
    if (typeof v === 'number' && Number.isFinite(v)) defined[count++] = v;
  }
  if (count === 0 || replicates.length - count > maxUndefinedShare * replicates.length) return null;
  const values = count === defined.length ? defined : defined.subarray(0, count);
  const alpha = 1 - confidence;
  return { lower: quantileBySelection(values, alpha / 2), upper: quantileBySelection(values, 1 - alpha / 2) };
}

/**
 * The type-7 q-quantile of unsorted values in O(n) (quickselect, Hoare's FIND): reorders `values`
 * so that values[k] is the k-th smallest, then interpolates towards the smallest value above it.
 * A bootstrap takes thousands of these, and a sort would cost n log n each.
 */
export function quantileBySelection(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError('no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const k = Math.floor(h);
  let left = 0;
  let right = n - 1;
  while (left < right) {
    // Median of three as the pivot, then Hoare partition.
    const mid = (left + right) >>> 1;
    const a = values[left] as number;
    const b = values[mid] as number;
    const c = values[right] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  const at = values[k] as number;
  if (h === k) return at;
  let above = Number.POSITIVE_INFINITY;
  for (let i = k + 1; i < n; i++) if ((values[i] as number) < above) above = values[i] as number;
  return at + (h - k) * (above - at);
}

export interface BootstrapOptions {
  readonly replicates?: number;
  readonly confidence?: number;
}

export const DEFAULT_REPLICATES = 1000;

/**
 * A percentile bootstrap interval for any statistic: `replicate(random)` draws one resample and
 * returns the statistic on it (null when undefined there). The random source is passed in, so a
 * seeded one (lib/random.ts) makes the interval reproducible.
 */
export function bootstrapInterval(
  replicate: (random: Random) => number | null,
  random: Random,
  options: BootstrapOptions = {},
): Interval | null {
  const count = options.replicates ?? DEFAULT_REPLICATES;
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`replicates must be a positive integer, got ${count}`);
  const values = new Array<number | null>(count);
  for (let r = 0; r < count; r++) values[r] = replicate(random);
  return percentileInterval(values, options.confidence ?? DEFAULT_CONFIDENCE);
}
