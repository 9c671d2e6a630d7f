import type { Tensorflow } from './tensorflow.ts';
import type * as tfTypes from '@tensorflow/tfjs';

/**
 * Piecewise-linear encoding of numerical features (Gorishniy, Rubachev & Babenko, "On Embeddings
 * for Numerical Features in Tabular Deep Learning", NeurIPS 2022): each feature x is replaced by
 * T values, one per bin [e_{t-1}, e_t) of its training quantiles,
 *   enc_t(x) = clip((x − e_{t-1}) / (e_t − e_{t-1}), 0, 1),
 * 1 for bins wholly below x, 0 for bins above, the position within its own bin. The network then
 * sees how far along its training distribution each feature is, in pieces: a threshold on a
 * heavy-tailed count, which trees find at once, is one weight away.
 *
 * Centred: a column holds enc_t − 0.5, in [−0.5, 0.5]. Inputs all in [0, 1] push every unit of the
 * first layer the same way at once: on a 4,000-row synthetic set with an 8-4 network the uncentred
 * encoding left every ReLU dead after the first epoch (a constant score).
 *
 * Computed as (x[feature] − lower) · scale − 0.5, clipped, in that order of float32 operations in
 * tfjs (encodeInputs) and in the ONNX graph (Gather, Sub, Mul, Sub, Clip: training/onnx/export-mlp.ts),
 * so both give the same bits. Written as one matrix product instead, x · scale − lower · scale
 * loses the digits of a narrow bin to cancellation, differently with and without fused
 * multiply-add: measured 2e-5 between onnxruntime and tfjs, over the export's 1e-5 tolerance.
 */
export interface PiecewiseLinearEncoding {
  /** Width of the (standardised) rows it encodes. */
  readonly inputSize: number;
  /** Per output column: the input feature it reads, its bin's lower edge and 1 / the bin's width (0: a constant feature). */
  readonly feature: Int32Array;
  readonly lower: Float32Array;
  readonly scale: Float32Array;
}

export const INPUT_ENCODINGS = ['none', 'piecewise-linear'] as const;
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];

/**
 * The encoding for standardised training rows `x` (row-major, `width` columns): per feature, the
 * edges are its quantiles 0, 1/bins, …, 1 over the rows (every `step`-th row, at most `maxRows`),
 * equal edges merged, so a feature with k distinct values gets at most k − 1 bins and a binary one
 * a single column. A constant feature gets one column that is always −0.5.
 */
export function fitPiecewiseLinearEncoding(x: Float32Array, width: number, bins: number, maxRows = 200_000): PiecewiseLinearEncoding {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a whole number of at least 1, got ${bins}`);
  const n = x.length / width;
  const step = Math.max(1, Math.floor(n / maxRows));
  const feature: number[] = [];
  const lower: number[] = [];
  const scale: number[] = [];
  const values = new Float32Array(Math.ceil(n / step));
  for (let f = 0; f < width; f++) {
    let m = 0;
    for (let r = 0; r < n; r += step) values[m++] = x[r * width + f]!;
    const sorted = values.subarray(0, m).sort();
    const edges: number[] = [];
    for (let t = 0; t <= bins && m > 0; t++) {
      const q = sorted[Math.min(m - 1, Math.round((t / bins) * (m - 1)))]!;
      if (edges.length === 0 || q > edges[edges.length - 1]!) edges.push(q);
    }
    if (edges.length < 2) {
      feature.push(f);
      lower.push(0);
      scale.push(0);
      continue;
    }
    for (let t = 1; t < edges.length; t++) {
      feature.push(f);
      lower.push(edges[t - 1]!);
      scale.push(1 / (edges[t]! - edges[t - 1]!));
    }
  }
  return { inputSize: width, feature: Int32Array.from(feature), lower: Float32Array.from(lower), scale: Float32Array.from(scale) };
}

export const encodedWidth = (encoding: PiecewiseLinearEncoding): number => encoding.feature.length;

/** The encoded rows of `input` [rows, inputSize] as a tfjs tensor [rows, encodedWidth] (call inside tf.tidy). */
export function encodeInputs(
  tf: Tensorflow,
  input: tfTypes.Tensor2D,
  tensors: { readonly feature: tfTypes.Tensor1D; readonly lower: tfTypes.Tensor1D; readonly scale: tfTypes.Tensor1D },
): tfTypes.Tensor2D {
  const picked = tf.gather(input, tensors.feature, 1);
  return tf.clipByValue(tf.sub(tf.mul(tf.sub(picked, tensors.lower), tensors.scale), 0.5), -0.5, 0.5) as tfTypes.Tensor2D;
}

/** The encoding's constants as tfjs tensors (the caller disposes them). */
export function encodingTensors(tf: Tensorflow, encoding: PiecewiseLinearEncoding) {
  return { feature: tf.tensor1d(encoding.feature, 'int32'), lower: tf.tensor1d(encoding.lower), scale: tf.tensor1d(encoding.scale) };
}
