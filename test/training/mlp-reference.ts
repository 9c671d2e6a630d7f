import type { MlpExportSpec, OnnxCalibration } from '../../training/onnx/export-mlp.ts';

/**
 * The exported graph's function computed independently in float64 JS, from the same float32
 * parameters the graph holds (Math.fround of each), for parity tests.
 */
export function referenceProbability(spec: MlpExportSpec, row: ArrayLike<number>): number {
  const { mean, std } = spec.inputNormalization;
  // The input transform written out in float64 from its definition, sign(x)·ln(1 + |x|), not
  // through training/standardize.ts: the reference must not share the code it checks.
  const input = (x: number): number => (spec.inputTransform === 'signed-log1p' ? Math.sign(x) * Math.log1p(Math.abs(x)) : Math.fround(x));
  const range = spec.inputRange;
  const clip = (x: number, i: number): number => (range === undefined ? x : Math.min(Math.max(x, Math.fround(range.lower[i]!)), Math.fround(range.upper[i]!)));
  let h = Array.from({ length: mean.length }, (_, i) => (input(clip(row[i]!, i)) - Math.fround(mean[i]!)) / Math.fround(std[i]!));
  for (const layer of spec.layers) {
    const units = layer.bias.length;
    const next = new Array<number>(units).fill(0);
    for (let j = 0; j < units; j++) {
      let sum = Math.fround(layer.bias[j]!);
      for (let i = 0; i < h.length; i++) sum += h[i]! * Math.fround(layer.weights[i * units + j]!);
      next[j] = layer.activation === 'relu' ? Math.max(0, sum) : layer.activation === 'tanh' ? Math.tanh(sum) : sum;
    }
    h = next;
  }
  return referenceCalibration(spec.calibration, h[0]!);
}

export function referenceCalibration(calibration: OnnxCalibration, z: number): number {
  switch (calibration.kind) {
    case 'none':
      return 1 / (1 + Math.exp(-z));
    case 'platt':
      return 1 / (1 + Math.exp(-(Math.fround(calibration.a) * z + Math.fround(calibration.b))));
    case 'isotonic':
      return interpolate(calibration.x.map(Math.fround), calibration.y, z);
  }
}

/** Textbook linear interpolation through (x[k], y[k]), constant beyond the ends. */
export function interpolate(x: readonly number[], y: readonly number[], z: number): number {
  const last = x.length - 1;
  if (z <= x[0]!) return y[0]!;
  if (z >= x[last]!) return y[last]!;
  let k = 0;
  while (x[k + 1]! <= z) k++;
  return y[k]! + ((z - x[k]!) / (x[k + 1]! - x[k]!)) * (y[k + 1]! - y[k]!);
}
