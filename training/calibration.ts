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
 * - Isotonic regression: the weighted least-squares non-decreasing fit of the labels on z by
 *   pool-adjacent-violators (Barlow et al. 1972), then linear interpolation between the fitted
 *   points and clipping outside them, as scikit-learn's IsotonicRegression does.
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

export function fitIsotonic(logits: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>): Calibration {
  checkInputs(logits, labels, weights);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((i, j) => logits[i]! - logits[j]!);

  // Blocks of pooled rows: weighted mean label, weight, and the first and last distinct logit.
  const mean: number[] = [];
  const mass: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
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
    mean.push(wy / w);
    mass.push(w);
    low.push(z);
    high.push(z);
    // Pool adjacent violators: merge while the previous block's mean exceeds this one's.
    while (mean.length > 1 && mean[mean.length - 2]! >= mean[mean.length - 1]!) {
      const m2 = mean.pop()!;
      const w2 = mass.pop()!;
      const h2 = high.pop()!;
      low.pop();
      const last = mean.length - 1;
      const w1 = mass[last]!;
      mean[last] = (mean[last]! * w1 + m2 * w2) / (w1 + w2);
      mass[last] = w1 + w2;
      high[last] = h2;
    }
  }
  if (mean.length === 0) throw new RangeError('isotonic calibration needs rows with weight above 0');
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < mean.length; b++) {
    x.push(low[b]!);
    y.push(mean[b]!);
    if (high[b]! > low[b]!) {
      x.push(high[b]!);
      y.push(mean[b]!);
    }
  }
  // The knots as the ONNX graph holds them (x rounded to float32, merged where they coincide), so
  // the trainer's probabilities and the exported graph's are the same function.
  const knots = isotonicKnots(x, y);
  return { kind: 'isotonic', x: knots.x, y: knots.y };
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
