/**
 * Class-imbalance handling by loss weighting. Seizures are rare (around 1 % of inspected
 * crossings), so an unweighted loss is dominated by negatives and the gradient signal from the
 * few positives is small. Each positive row's loss is multiplied by a factor; the rows' own
 * weights (inverse selection probabilities from random referrals, see DESIGN.md "Selective
 * labels") multiply in, so an IPW row stays worth what it stands for.
 *
 * - `balanced`: positives together weigh as much as negatives, factor = W₋ / W₊
 *   (scikit-learn's class_weight="balanced" up to a common scale).
 * - `sqrt`: factor = √(W₋ / W₊), a milder tilt that keeps more of the negatives' shape.
 * - `none`: factor = 1.
 *
 * Weighting shifts the network's output away from a probability; the calibration fitted on the
 * (unweighted by class) validation slice maps it back (training/calibration.ts).
 *
 * Final weights are scaled to mean 1 over the rows so that the loss and learning rate keep their
 * usual scale whatever the strategy.
 */

export const CLASS_WEIGHTINGS = ['balanced', 'sqrt', 'none'] as const;
export type ClassWeighting = (typeof CLASS_WEIGHTINGS)[number];

export interface ClassWeightResult {
  /** Multiplier applied to each positive row's weight before scaling to mean 1. */
  readonly positiveFactor: number;
  /** Per-row training weights: rowWeight × (positiveFactor for positives) × scale; mean 1. */
  readonly weights: Float32Array;
}

export function classWeightedSampleWeights(
  labels: ArrayLike<number>,
  rowWeights: ArrayLike<number>,
  weighting: ClassWeighting,
): ClassWeightResult {
  const n = labels.length;
  if (rowWeights.length !== n) throw new RangeError(`${rowWeights.length} weights for ${n} labels`);
  let positiveMass = 0;
  let negativeMass = 0;
  for (let i = 0; i < n; i++) {
    const w = rowWeights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`row ${i}: weight must be a finite number >= 0 (got ${w})`);
    if (labels[i] === 1) positiveMass += w;
    else negativeMass += w;
  }
  if (positiveMass === 0) throw new RangeError('no positive rows (label 1) with weight above 0: nothing to learn from');
  if (negativeMass === 0) throw new RangeError('no negative rows (label 0) with weight above 0: nothing to learn from');

  const positiveFactor = positiveFactorFor(weighting, negativeMass / positiveMass);
  const total = negativeMass + positiveFactor * positiveMass;
  const scale = n / total;
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i++) weights[i] = rowWeights[i]! * (labels[i] === 1 ? positiveFactor : 1) * scale;
  return { positiveFactor, weights };
}

function positiveFactorFor(weighting: ClassWeighting, ratio: number): number {
  switch (weighting) {
    case 'balanced':
      return ratio;
    case 'sqrt':
      return Math.sqrt(ratio);
    case 'none':
      return 1;
  }
}
