/**
 * The logistic-regression baseline: p = σ(β₀ + βᵀx) on standardised features, fitted by
 * Newton's method (iteratively reweighted least squares, Hastie, Tibshirani & Friedman, ESL
 * §4.4.1) on the weighted log loss with an L2 penalty λ/2·‖β‖² that leaves the intercept free.
 * Deterministic: no learning rate, no seed, no epochs; the MLP must beat it to earn its place.
 *
 * Cost per iteration O(n·d²): about a second for a million rows of 35 features.
 */

export interface LogisticModel {
  readonly intercept: number;
  readonly coefficients: Float64Array;
  readonly iterations: number;
}

export interface LogisticOptions {
  readonly l2?: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

export function fitLogisticRegression(
  x: Float32Array,
  width: number,
  labels: ArrayLike<number>,
  weights: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticModel {
  const n = labels.length;
  if (x.length !== n * width) throw new RangeError(`matrix has ${x.length} values, expected ${n} rows × ${width}`);
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-7;
  const p = width + 1; // index 0 is the intercept
  const beta = new Float64Array(p);

  const objective = (b: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = linear(x, width, i, b);
      // log(1 + e^z) − y·z, stable
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      f += weights[i]! * (softplus - labels[i]! * z);
    }
    for (let j = 1; j < p; j++) f += 0.5 * l2 * b[j]! * b[j]!;
    return f;
  };

  let value = objective(beta);
  let iterations = 0;
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const row = new Float64Array(p);
  for (; iterations < maxIterations; iterations++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      for (let j = 0; j < width; j++) row[j + 1] = x[i * width + j]!;
      const z = linear(x, width, i, beta);
      const prob = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const w = weights[i]!;
      const residual = w * (prob - labels[i]!);
      const curvature = w * prob * (1 - prob);
      for (let j = 0; j < p; j++) {
        gradient[j]! += residual * row[j]!;
        const cj = curvature * row[j]!;
        for (let k = 0; k <= j; k++) hessian[j * p + k]! += cj * row[k]!;
      }
    }
    for (let j = 1; j < p; j++) {
      gradient[j]! += l2 * beta[j]!;
      hessian[j * p + j]! += l2;
    }
    hessian[0]! += 1e-9; // the intercept has no penalty; keep the system definite when a class is empty
    for (let j = 0; j < p; j++) for (let k = j + 1; k < p; k++) hessian[j * p + k] = hessian[k * p + j]!;

    const step = solveSymmetric(hessian, gradient, p);
    let size = 1;
    let improved = false;
    const candidate = new Float64Array(p);
    while (size >= 1e-8) {
      for (let j = 0; j < p; j++) candidate[j] = beta[j]! - size * step[j]!;
      const next = objective(candidate);
      if (next <= value) {
        beta.set(candidate);
        value = next;
        improved = true;
        break;
      }
      size /= 2;
    }
    let largest = 0;
    for (let j = 0; j < p; j++) largest = Math.max(largest, Math.abs(size * step[j]!));
    if (!improved || largest < tolerance) {
      iterations++;
      break;
    }
  }
  return { intercept: beta[0]!, coefficients: beta.slice(1), iterations };
}

export function logisticLogits(model: LogisticModel, x: Float32Array, width: number): Float64Array {
  const n = x.length / width;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = model.intercept;
    for (let j = 0; j < width; j++) z += model.coefficients[j]! * x[i * width + j]!;
    out[i] = z;
  }
  return out;
}

function linear(x: Float32Array, width: number, i: number, beta: Float64Array): number {
  let z = beta[0]!;
  const base = i * width;
  for (let j = 0; j < width; j++) z += beta[j + 1]! * x[base + j]!;
  return z;
}

/** Solves A·s = g for symmetric positive definite A (row-major p×p) by Cholesky decomposition. */
function solveSymmetric(a: Float64Array, g: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let diagonal = a[j * p + j]!;
    for (let k = 0; k < j; k++) diagonal -= l[j * p + k]! * l[j * p + k]!;
    if (!(diagonal > 0)) throw new RangeError('logistic regression: the Hessian is not positive definite (duplicate or empty features?)');
    const root = Math.sqrt(diagonal);
    l[j * p + j] = root;
    for (let i = j + 1; i < p; i++) {
      let sum = a[i * p + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = sum / root;
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let sum = g[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * p + k]! * y[k]!;
    y[i] = sum / l[i * p + i]!;
  }
  const s = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < p; k++) sum -= l[k * p + i]! * s[k]!;
    s[i] = sum / l[i * p + i]!;
  }
  return s;
}
