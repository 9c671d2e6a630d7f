/**
 * The occlusion baseline: per feature, the weighted median over the training rows. The service
 * explains a score by replacing a reason group's features with these "typical" values and
 * measuring how much the score falls (models/model-card.ts `reference.baseline`).
 *
 * Weighted so that, on recorded data, random referrals stand for the traffic they represent
 * (weight 1/selection probability). The weighted median is the smallest value whose cumulative
 * weight reaches half the total.
 */
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
