/**
 * Ranking metrics: how well scores order positives above negatives, whatever the threshold.
 *
 * Both rest on `rankScores`: rows grouped by distinct score, highest first, with the (weighted)
 * positives and negatives at each score. Rows with equal scores are never split, so ties are
 * handled exactly rather than by the accident of a sort order.
 */

export interface RankedScores {
  /** Distinct scores, descending. */
  readonly scores: Float64Array;
  /** Weight of label-1 rows at each distinct score. */
  readonly positives: Float64Array;
  /** Weight of label-0 rows at each distinct score. */
  readonly negatives: Float64Array;
  /** Rows at each distinct score (unweighted). */
  readonly rows: Float64Array;
  readonly totalPositives: number;
  readonly totalNegatives: number;
}

/** Rows sharing a label and a weight, so that one native sort of their scores orders them all. */
interface Bucket {
  readonly positive: boolean;
  readonly weight: number;
  scores: Float64Array;
  size: number;
}

/** Beyond this many distinct (label, weight) pairs rows are ordered by an index sort instead. */
const MAX_BUCKETS = 32;

function checkedWeight(weights: ArrayLike<number> | undefined, i: number): number {
  if (weights === undefined) return 1;
  const w = weights[i] as number;
  if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`weights[${i}] must be a finite number >= 0, got ${w}`);
  return w;
}

function checkedLabel(labels: ArrayLike<number | boolean>, i: number): boolean {
  const label = labels[i];
  if (label === 1 || label === true) return true;
  if (label === 0 || label === false) return false;
  throw new RangeError(`labels[${i}] must be 0 or 1, got ${String(label)}`);
}

/**
 * Groups rows by distinct score. Labels are 0/1 (or booleans); weights default to 1.
 *
 * Speed: rows are split into buckets of equal (label, weight) — two without weights, a handful with
 * inverse-propensity weights (1 and 1/rate) — each bucket's scores are sorted natively, and the
 * buckets are merged from the top. A typed-array sort is several times faster than sorting row
 * indices with a comparator, which is kept only for weights with many distinct values.
 */
export function rankScores(
  labels: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  weights?: ArrayLike<number>,
): RankedScores {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} values, scores has ${n}`);
  if (weights !== undefined && weights.length !== n) throw new RangeError(`weights has ${weights.length} values, scores has ${n}`);
  // Bucket index by weight, one map per label.
  const negativeBucket = new Map<number, number>();
  const positiveBucket = new Map<number, number>();
  const buckets: Bucket[] = [];
  const rowBucket = new Uint8Array(n);
  let bucketed = true;
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    if (!Number.isFinite(s)) throw new RangeError(`scores[${i}] must be a finite number, got ${s}`);
    const positive = checkedLabel(labels, i);
    const w = checkedWeight(weights, i);
    if (!bucketed) continue;
    const map = positive ? positiveBucket : negativeBucket;
    let b = map.get(w);
    if (b === undefined) {
      if (buckets.length === MAX_BUCKETS) {
        bucketed = false;
        continue;
      }
      b = buckets.length;
      map.set(w, b);
      buckets.push({ positive, weight: w, scores: new Float64Array(0), size: 0 });
    }
    rowBucket[i] = b;
    (buckets[b] as Bucket).size++;
  }
  return bucketed ? rankByBuckets(scores, buckets, rowBucket) : rankByIndexSort(labels, scores, weights);
}

function emptyRanking(capacity: number): { scores: Float64Array; positives: Float64Array; negatives: Float64Array; rows: Float64Array } {
  return { scores: new Float64Array(capacity), positives: new Float64Array(capacity), negatives: new Float64Array(capacity), rows: new Float64Array(capacity) };
}

function finish(
  out: { scores: Float64Array; positives: Float64Array; negatives: Float64Array; rows: Float64Array },
  groups: number,
  totalPositives: number,
  totalNegatives: number,
): RankedScores {
  return {
    scores: out.scores.slice(0, groups),
    positives: out.positives.slice(0, groups),
    negatives: out.negatives.slice(0, groups),
    rows: out.rows.slice(0, groups),
    totalPositives,
    totalNegatives,
  };
}

function rankByBuckets(scores: ArrayLike<number>, buckets: Bucket[], rowBucket: Uint8Array): RankedScores {
  for (const bucket of buckets) {
    bucket.scores = new Float64Array(bucket.size);
    bucket.size = 0;
  }
  for (let i = 0; i < scores.length; i++) {
    const bucket = buckets[rowBucket[i] as number] as Bucket;
    bucket.scores[bucket.size++] = scores[i] as number;
  }
  for (const bucket of buckets) bucket.scores.sort();
  // Merge from the top: every bucket's cursor starts at its highest score.
  const cursor = buckets.map((b) => b.size - 1);
  const out = emptyRanking(scores.length);
  let groups = 0;
  let totalPositives = 0;
  let totalNegatives = 0;
  for (;;) {
    let top = Number.NEGATIVE_INFINITY;
    let any = false;
    for (let b = 0; b < buckets.length; b++) {
      const c = cursor[b] as number;
      if (c >= 0) {
        const s = (buckets[b] as Bucket).scores[c] as number;
        if (!any || s > top) top = s;
        any = true;
      }
    }
    if (!any) break;
    let positive = 0;
    let negative = 0;
    let rows = 0;
    for (let b = 0; b < buckets.length; b++) {
      const bucket = buckets[b] as Bucket;
      let c = cursor[b] as number;
      let count = 0;
      while (c >= 0 && bucket.scores[c] === top) {
        c--;
        count++;
      }
      cursor[b] = c;
      if (count === 0) continue;
      rows += count;
      if (bucket.positive) positive += count * bucket.weight;
      else negative += count * bucket.weight;
    }
    out.scores[groups] = top;
    out.positives[groups] = positive;
    out.negatives[groups] = negative;
    out.rows[groups] = rows;
    groups++;
    totalPositives += positive;
    totalNegatives += negative;
  }
  return finish(out, groups, totalPositives, totalNegatives);
}

function rankByIndexSort(labels: ArrayLike<number | boolean>, scores: ArrayLike<number>, weights?: ArrayLike<number>): RankedScores {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const out = emptyRanking(n);
  let groups = 0;
  let totalPositives = 0;
  let totalNegatives = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const s = scores[i] as number;
    if (groups === 0 || out.scores[groups - 1] !== s) {
      out.scores[groups] = s;
      groups++;
    }
    const g = groups - 1;
    const w = checkedWeight(weights, i);
    out.rows[g] = (out.rows[g] as number) + 1;
    if (checkedLabel(labels, i)) {
      out.positives[g] = (out.positives[g] as number) + w;
      totalPositives += w;
    } else {
      out.negatives[g] = (out.negatives[g] as number) + w;
      totalNegatives += w;
    }
  }
  return finish(out, groups, totalPositives, totalNegatives);
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative,
 * a tie counting one half (Mann–Whitney U / (n₊ n₋); Hanley & McNeil, Radiology 1982). With
 * weights, each positive–negative pair weighs w₊ w₋. Equal to scikit-learn's `roc_auc_score`
 * (trapezoidal area under the ROC curve through every distinct threshold).
 *
 *   AUC = Σ_g N_g (P_above(g) + P_g / 2) / (P N)
 *
 * with, for each distinct score g, N_g and P_g its negative and positive weight and P_above(g) the
 * positive weight at higher scores. null when there are no positives or no negatives.
 */
export function aucRocFromRanked(ranked: RankedScores): number | null {
  const { positives, negatives, totalPositives, totalNegatives } = ranked;
  if (totalPositives === 0 || totalNegatives === 0) return null;
  let above = 0;
  let sum = 0;
  for (let g = 0; g < positives.length; g++) {
    const p = positives[g] as number;
    sum += (negatives[g] as number) * (above + p / 2);
    above += p;
  }
  return sum / (totalPositives * totalNegatives);
}

export function aucRoc(labels: ArrayLike<number | boolean>, scores: ArrayLike<number>, weights?: ArrayLike<number>): number | null {
  return aucRocFromRanked(rankScores(labels, scores, weights));
}

/**
 * Area under the precision–recall curve as average precision, scikit-learn's
 * `average_precision_score` definition: the step-wise (not interpolated, not trapezoidal) sum over
 * distinct thresholds, highest first,
 *
 *   AP = Σ_g (R_g − R_{g−1}) · P_g
 *
 * where P_g and R_g are precision and recall when every row scoring at least threshold g is
 * predicted positive (rows tied at g enter together), R_0 = 0. Trapezoidal interpolation of the PR
 * curve is optimistic (Davis & Goadrich, ICML 2006), which is why this definition is used.
 * The no-skill value is the prevalence. null when there are no positives.
 */
export function averagePrecisionFromRanked(ranked: RankedScores): number | null {
  const { positives, negatives, totalPositives } = ranked;
  if (totalPositives === 0) return null;
  let tp = 0;
  let fp = 0;
  let sum = 0;
  for (let g = 0; g < positives.length; g++) {
    const p = positives[g] as number;
    tp += p;
    fp += negatives[g] as number;
    if (p > 0) sum += (p / totalPositives) * (tp / (tp + fp));
  }
  return sum;
}

export function averagePrecision(
  labels: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number | null {
  return averagePrecisionFromRanked(rankScores(labels, scores, weights));
}

export interface RocPoint {
  /** Refer when score >= threshold; null for the origin (nothing referred). */
  readonly threshold: number | null;
  readonly falsePositiveRate: number;
  readonly truePositiveRate: number;
}

/** The ROC curve's vertices, one per distinct score (refer when score >= threshold), from (0, 0). */
export function rocCurve(ranked: RankedScores): RocPoint[] {
  const points: RocPoint[] = [{ threshold: null, falsePositiveRate: 0, truePositiveRate: 0 }];
  if (ranked.totalPositives === 0 || ranked.totalNegatives === 0) return points;
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < ranked.scores.length; g++) {
    tp += ranked.positives[g] as number;
    fp += ranked.negatives[g] as number;
    points.push({ threshold: ranked.scores[g] as number, falsePositiveRate: fp / ranked.totalNegatives, truePositiveRate: tp / ranked.totalPositives });
  }
  return points;
}
