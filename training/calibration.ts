import { isotonicKnots } from './onnx/export-mlp.ts';

/**
 * Calibration: a monotone map from the network's output logit z to a probability, fitted on the
 * validation slice (never on the rows the network learnt from, never on the holdout). The
 * network's raw output is not a probability: class weighting tilts it on purpose and early
 * stopping leaves it wherever it stopped.
 *
 * - Platt scaling: p = σ(a·z + b), a and b minimising the weighted log loss against Platt's
 *   smoothed targets t₊ = (N₊+1)/(N₊+2), t₋ = 1/(N₋+2) (Platt 1999), by Newton's method with
 *   backtracking as in Lin, Lin & Weng, "A note on Platt's probabilistic outputs for support
 *   vector machines" (2007), Algorithm 1.
 * - Isotonic regression: centred isotonic regression (Oron & Flournoy, "Centered isotonic
 *   regression: point and interval estimation for dose-response studies", Statistics in
 *   Biopharmaceutical Research 9, 258–267, 2017): the weighted least-squares non-decreasing fit
 *   of the labels on z by pool-adjacent-violators (Barlow et al. 1972), each pooled block then
 *   one knot at its weighted mean logit with its weighted mean label (every block: the authors'
 *   R package keeps blocks at 0 or 1 flat), linear between the knots and flat outside them;
 *   adjacent blocks are also pooled while the line between their knots would be steeper than
 *   MAX_ISOTONIC_SLOPE probability per logit unit. scikit-learn's IsotonicRegression differs:
 *   it puts knots at each block's first and last logit, so every step of the fit climbs across
 *   the gap between two neighbouring rows, often 1e-4 logit or less, and the probability there
 *   moves with the float32 rounding of the logit (onnxruntime and tfjs differ by a few float32
 *   steps). Capping the slope of those steps pools nearly every block: on an 18,608-row
 *   validation slice, PAV's 9 blocks had steps of 0.5 to 10 probability per logit unit and
 *   pooled into one constant. Between centres a step climbs across half of each block and is as
 *   gentle as the data (0.18 at most on the same slice).
 * - none: p = σ(z).
 *
 * Both take the logit so the ONNX graph can apply them after the last linear layer; the type is
 * the exporter's `OnnxCalibration` (training/onnx/export-mlp.ts).
 */

export const CALIBRATION_METHODS = ['platt', 'isotonic', 'none'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export type Calibration =
  | { readonly kind: 'platt'; readonly a: number; readonly b: number }
  /** `x` ascending logits, `y` non-decreasing probabilities at them; linear between, clipped outside. */
  | { readonly kind: 'isotonic'; readonly x: readonly number[]; readonly y: readonly number[] }
  | { readonly kind: 'none' };

export function fitCalibration(
  method: CalibrationMethod,
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number>,
): Calibration {
  switch (method) {
    case 'platt':
      return fitPlatt(logits, labels, weights);
    case 'isotonic':
      return fitIsotonic(logits, labels, weights);
    case 'none':
      return { kind: 'none' };
  }
}

export function calibrate(calibration: Calibration, logit: number): number {
  switch (calibration.kind) {
    case 'platt':
      return sigmoid(calibration.a * logit + calibration.b);
    case 'isotonic':
      return interpolate(calibration.x, calibration.y, logit);
    case 'none':
      return sigmoid(logit);
  }
}

export function calibrateAll(calibration: Calibration, logits: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = calibrate(calibration, logits[i]!);
  return out;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^f) without overflow. */
function softplus(f: number): number {
  return f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f));
}

function checkInputs(logits: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>): void {
  if (labels.length !== logits.length || weights.length !== logits.length) {
    throw new RangeError(`calibration needs as many labels and weights as scores (${logits.length}, ${labels.length}, ${weights.length})`);
  }
  if (logits.length === 0) throw new RangeError('calibration needs at least one row');
}

export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>): Calibration {
  checkInputs(logits, labels, weights);
  const n = logits.length;
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) positives += weights[i]!;
    else negatives += weights[i]!;
  }
  const highTarget = (positives + 1) / (positives + 2);
  const lowTarget = 1 / (negatives + 2);
  const target = (i: number): number => (labels[i] === 1 ? highTarget : lowTarget);

  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const g = a * logits[i]! + b;
      f += weights[i]! * (softplus(g) - target(i) * g);
    }
    return f;
  };

  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  let value = objective(a, b);
  const ridge = 1e-12; // Lin et al.: keeps the Hessian positive definite
  for (let iteration = 0; iteration < 100; iteration++) {
    let gA = 0;
    let gB = 0;
    let hAA = ridge;
    let hBB = ridge;
    let hAB = 0;
    for (let i = 0; i < n; i++) {
      const z = logits[i]!;
      const w = weights[i]!;
      const p = sigmoid(a * z + b);
      const d = w * (p - target(i));
      gA += d * z;
      gB += d;
      const h = w * p * (1 - p);
      hAA += h * z * z;
      hAB += h * z;
      hBB += h;
    }
    if (Math.abs(gA) < 1e-9 * n && Math.abs(gB) < 1e-9 * n) break;
    const det = hAA * hBB - hAB * hAB;
    const stepA = -(hBB * gA - hAB * gB) / det;
    const stepB = -(-hAB * gA + hAA * gB) / det;
    const descent = gA * stepA + gB * stepB;
    let size = 1;
    let accepted = false;
    while (size >= 1e-10) {
      const candidate = objective(a + size * stepA, b + size * stepB);
      if (candidate < value + 1e-4 * size * descent) {
        a += size * stepA;
        b += size * stepB;
        value = candidate;
        accepted = true;
        break;
      }
      size /= 2;
    }
    if (!accepted) break;
  }
  return { kind: 'platt', a, b };
}

/**
 * The steepest piece the isotonic fit may have, in probability per logit unit. A logistic curve
 * p = σ(a·z + b) is never steeper than a/4 (at p = ½), and the networks trained here have a ≈ 1
 * (the default model's Platt fit has a = 1.05), so a calibration curve steeper than 1 is not
 * something the data show: it is two blocks whose centres are almost nothing apart. Capping it
 * there bounds the change in probability at 1 × the change in logit, so the few float32 steps
 * (~2.4e-6) by which onnxruntime's logit differs from tfjs's move the exported probability by a
 * few 1e-6, inside the export parity check's 1e-5 (training/onnx-parity.ts), and an officer's
 * score does not depend on rounding. The cap is absolute, so the fit is not invariant to the
 * logit's scale: a network with compressed logits (Platt a of 4 or more) has true pieces steeper
 * than 1, which the cap would pool (found by review: logits scaled by 1/8 left 2 knots of 61). The
 * trainer's networks have a near 1; a scale-free cap must still bound the float32 error near z = 0,
 * where it does not shrink with |z|, and is left for later.
 */
export const MAX_ISOTONIC_SLOPE = 1;

export function fitIsotonic(logits: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>): Calibration {
  checkInputs(logits, labels, weights);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((i, j) => logits[i]! - logits[j]!);

  // Pool adjacent violators: merge while the previous block's mean is not below this one's.
  // centre is the block's weighted mean logit, where its knot goes.
  const violatorsPooled: Block[] = [];
  let k = 0;
  while (k < order.length) {
    // Tied logits form one point first (scikit-learn does the same before PAV).
    const z = logits[order[k]!]!;
    let w = 0;
    let wy = 0;
    while (k < order.length && logits[order[k]!]! === z) {
      w += weights[order[k]!]!;
      wy += weights[order[k]!]! * labels[order[k]!]!;
      k++;
    }
    if (w === 0) continue;
    pushPooling(violatorsPooled, { mean: wy / w, mass: w, centre: z }, (below, above) => below.mean >= above.mean);
  }
  if (violatorsPooled.length === 0) throw new RangeError('isotonic calibration needs rows with weight above 0');

  // Then pool PAV's blocks where the piece between their centres is steeper than the cap. A
  // second pass, not a condition inside the first: there a block's mean is provisional (a later
  // violator may pull it down), and pooling on it would coarsen fits whose final pieces are all
  // gentle. A merge moves the block's mean and centre, so the loop re-checks it against the block
  // below; the order test only guards against rounding.
  const blocks: Block[] = [];
  for (const block of violatorsPooled) {
    pushPooling(blocks, block, (below, above) => below.mean >= above.mean || tooSteep(below, above));
  }

  // The knots as the ONNX graph holds them (x rounded to float32, merged where they coincide), so
  // the trainer's probabilities and the exported graph's are the same function. No two centres
  // coincide in float32 after the cap (a run of 0 is too steep for any rise), so none merge.
  const knots = isotonicKnots(
    blocks.map((block) => block.centre),
    blocks.map((block) => block.mean),
  );
  return { kind: 'isotonic', x: knots.x, y: knots.y };
}

/** Rows pooled by the isotonic fit: weighted mean label, total weight, weighted mean logit. */
interface Block {
  mean: number;
  mass: number;
  centre: number;
}

/**
 * Pushes `block` onto `stack`, then merges the top two blocks (weighted means of label and logit)
 * while `mustPool(below, above)`. Each merge re-checks the merged block against the one below it,
 * so no adjacent pair on the stack satisfies `mustPool` afterwards.
 */
function pushPooling(stack: Block[], block: Block, mustPool: (below: Block, above: Block) => boolean): void {
  stack.push(block);
  while (stack.length > 1 && mustPool(stack[stack.length - 2]!, stack[stack.length - 1]!)) {
    const above = stack.pop()!;
    const below = stack[stack.length - 1]!;
    const mass = below.mass + above.mass;
    below.mean = (below.mean * below.mass + above.mean * above.mass) / mass;
    below.centre = (below.centre * below.mass + above.centre * above.mass) / mass;
    below.mass = mass;
  }
}

/**
 * Whether the piece from `below`'s centre to `above`'s rises faster than MAX_ISOTONIC_SLOPE. The
 * centres are taken as float32, as isotonicKnots will hold them, so the cap holds for the knots
 * returned and exported; centres that round to the same float32 (a run of 0, which isotonicKnots
 * would turn into a jump) are always pooled.
 */
function tooSteep(below: Block, above: Block): boolean {
  const rise = above.mean - below.mean;
  const run = Math.fround(above.centre) - Math.fround(below.centre);
  return rise > MAX_ISOTONIC_SLOPE * run;
}

function interpolate(x: readonly number[], y: readonly number[], z: number): number {
  const last = x.length - 1;
  if (z <= x[0]!) return y[0]!;
  if (z >= x[last]!) return y[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= z) lo = mid;
    else hi = mid;
  }
  const share = (z - x[lo]!) / (x[hi]! - x[lo]!);
  return y[lo]! + share * (y[hi]! - y[lo]!);
}
