import { FEATURE_INDEX, cyclicPosition, type ReasonGroup } from '../features/feature-spec.ts';

/**
 * The occlusion baseline: the "typical" values the service replaces a reason group's features with
 * to measure how much the score owes to them (models/model-card.ts `reference.baseline`). Per
 * feature the weighted median over the training rows; for a group whose features only mean
 * something together (features/feature-spec.ts ReasonGroup.baseline), a value such a crossing can
 * take: the most common category of a one-hot group, the circular median of a (sin, cos) position.
 * Otherwise the lane contribution measured the move to "no lane at all" and the hour's to a point
 * inside the clock (explain.ts compares against crossings the model could have seen).
 *
 * Weighted so that, on recorded data, random referrals stand for the traffic they represent
 * (weight 1/selection probability).
 */
export function occlusionBaseline(
  matrix: Float32Array,
  width: number,
  rows: ArrayLike<number>,
  weights: ArrayLike<number>,
  groups: readonly ReasonGroup[],
): number[] {
  const baseline = weightedMedians(matrix, width, rows, weights);
  for (const group of groups) {
    if (group.baseline === undefined) continue;
    const columns = group.features.map((name) => FEATURE_INDEX[name]);
    const values =
      group.baseline.kind === 'one-hot'
        ? oneHotMode(matrix, width, rows, weights, columns)
        : circularMedian(matrix, width, rows, weights, columns as [number, number], group.baseline.steps);
    columns.forEach((column, k) => (baseline[column] = values[k]!));
  }
  return baseline;
}

/** The one-hot vector of the category with the most weight (ties: the first listed). */
function oneHotMode(matrix: Float32Array, width: number, rows: ArrayLike<number>, weights: ArrayLike<number>, columns: readonly number[]): number[] {
  const weightOf = new Float64Array(columns.length);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * width;
    const k = columns.findIndex((column) => matrix[base + column] === 1);
    if (k >= 0) weightOf[k]! += weights[rows[r]!]!;
  }
  let best = 0;
  for (let k = 1; k < columns.length; k++) if (weightOf[k]! > weightOf[best]!) best = k;
  return columns.map((_, k) => (k === best ? 1 : 0));
}

/**
 * The (sin, cos) of the circular median position: the step c of `steps` per turn that minimises
 * the weighted arc distance Σ w · min(|p − c|, steps − |p − c|) to the rows' positions p (rounded to
 * steps; ties: the smallest c), as float32 like the features.
 */
function circularMedian(
  matrix: Float32Array,
  width: number,
  rows: ArrayLike<number>,
  weights: ArrayLike<number>,
  [sinColumn, cosColumn]: readonly [number, number],
  steps: number,
): [number, number] {
  const weightAt = new Float64Array(steps);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * width;
    const position = Math.round(cyclicPosition(matrix[base + sinColumn]!, matrix[base + cosColumn]!, steps)) % steps;
    weightAt[position]! += weights[rows[r]!]!;
  }
  let best = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let c = 0; c < steps; c++) {
    let cost = 0;
    for (let p = 0; p < steps; p++) {
      if (weightAt[p] === 0) continue;
      const d = Math.abs(p - c);
      cost += weightAt[p]! * Math.min(d, steps - d);
    }
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  const angle = (2 * Math.PI * best) / steps;
  return [Math.fround(Math.sin(angle)), Math.fround(Math.cos(angle))];
}

/** Per feature, the weighted median: the smallest value whose cumulative weight reaches half the total. */
export function weightedMedians(matrix: Float32Array, width: number, rows: ArrayLike<number>, weights: ArrayLike<number>): number[] {
  const n = rows.length;
  if (n === 0) throw new RangeError('medians need at least one row');
  let uniform = true;
  for (let r = 1; r < n && uniform; r++) uniform = weights[rows[r]!] === weights[rows[0]!];
  const column = new Float32Array(n);
  const medians: number[] = [];
  for (let j = 0; j < width; j++) {
    for (let r = 0; r < n; r++) column[r] = matrix[rows[r]! * width + j]!;
    medians.push(uniform ? lowerMedianOfSorted(column.sort()) : weightedMedian(column, rows, weights));
  }
  return medians;
}

function lowerMedianOfSorted(sorted: Float32Array): number {
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function weightedMedian(column: Float32Array, rows: ArrayLike<number>, weights: ArrayLike<number>): number {
  const order = Uint32Array.from({ length: column.length }, (_, i) => i).sort((a, b) => column[a]! - column[b]!);
  let total = 0;
  for (let r = 0; r < column.length; r++) total += weights[rows[r]!]!;
  let cumulative = 0;
  for (const r of order) {
    cumulative += weights[rows[r]!]!;
    if (cumulative >= total / 2) return column[r]!;
  }
  return column[order[order.length - 1]!]!;
}
