import { MODEL_INPUT_NAME, MODEL_OUTPUT_NAME, ONNX_METADATA_KEYS } from '../../models/model-contract.ts';
import { OnnxDataType, type OnnxNode, type OnnxTensor } from '../../models/onnx-proto.ts';
import type { PiecewiseLinearEncoding } from '../piecewise-linear.ts';
import type { InputTransform } from '../standardize.ts';
import { attribute, BATCH_DIM, floatTensor, int64Tensor, node, serializeModel, tensorType, valueInfo } from './graph-builder.ts';

/**
 * Exports a trained MLP as one ONNX graph:
 *
 *   features [N, D] ─ [min(max(x, lower), upper)] ─ [sign(x)·ln(1+|x|)] ─ (x − mean) / std ─ [piecewise-linear encoding] ─ Gemm + activation … ─ logit [N, 1] ─ calibration ─ probability [N, 1]
 *
 * so the service feeds raw feature vectors and reads a calibrated probability, with nothing
 * to keep in step outside the file. The spec hash and feature names travel in metadata_props.
 */

export type Activation = 'relu' | 'tanh' | 'linear';

export interface DenseLayer {
  /** in × out, row-major: weights[i * out + j] connects input i to unit j (tfjs Dense kernel order). */
  readonly weights: ArrayLike<number>;
  /** out values. */
  readonly bias: ArrayLike<number>;
  readonly activation: Activation;
}

/**
 * The map from the network's logit z to a probability.
 * - platt: σ(a·z + b).
 * - isotonic: piecewise linear through (x[k], y[k]), x strictly ascending, clamped to y[0]
 *   below x[0] and to y[last] above x[last] (scikit-learn's IsotonicRegression with
 *   out_of_bounds='clip').
 * - none: σ(z).
 */
export type OnnxCalibration =
  | { readonly kind: 'platt'; readonly a: number; readonly b: number }
  | { readonly kind: 'isotonic'; readonly x: readonly number[]; readonly y: readonly number[] }
  | { readonly kind: 'none' };

export interface MlpExportSpec {
  /** Per-feature bounds the raw features are clipped to first (training/standardize.ts); default none. */
  readonly inputRange?: { readonly lower: ArrayLike<number>; readonly upper: ArrayLike<number> };
  /** Applied to the raw features before normalisation (training/standardize.ts); default none. */
  readonly inputTransform?: InputTransform;
  readonly inputNormalization: { readonly mean: ArrayLike<number>; readonly std: ArrayLike<number> };
  /** Applied to the normalised features before the first layer (training/piecewise-linear.ts); default none. */
  readonly inputEncoding?: PiecewiseLinearEncoding | undefined;
  /** First layer D → h1, …, last layer → 1 (the logit). None hidden is logistic regression. */
  readonly layers: readonly DenseLayer[];
  readonly calibration: OnnxCalibration;
  readonly metadata: {
    readonly modelVersion: string;
    readonly featureSpecHash: string;
    readonly featureNames: readonly string[];
  };
}

export function exportMlpToOnnx(spec: MlpExportSpec): Uint8Array {
  const width = checkSpec(spec);
  const initializers: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];

  initializers.push(
    floatTensor('norm_mean', [width], spec.inputNormalization.mean),
    floatTensor('norm_std', [width], spec.inputNormalization.std),
  );
  let clipped: string = MODEL_INPUT_NAME;
  if (spec.inputRange !== undefined) {
    // Max then Min with [D] bounds broadcast over rows: Clip takes only scalar bounds
    // (onnx/docs/Operators.md#Clip), the bounds here differ per feature.
    initializers.push(floatTensor('input_lower', [width], spec.inputRange.lower), floatTensor('input_upper', [width], spec.inputRange.upper));
    nodes.push(node('Max', [MODEL_INPUT_NAME, 'input_lower'], ['input_above_lower']), node('Min', ['input_above_lower', 'input_upper'], ['input_clipped']));
    clipped = 'input_clipped';
  }
  let transformed = clipped;
  if ((spec.inputTransform ?? 'none') === 'signed-log1p') {
    // sign(x) · ln(1 + |x|), in the order transformInputs computes it.
    initializers.push(floatTensor('log1p_one', [], [1]));
    nodes.push(
      node('Abs', [clipped], ['input_abs']),
      node('Add', ['input_abs', 'log1p_one'], ['input_abs_plus_one']),
      node('Log', ['input_abs_plus_one'], ['input_log_magnitude']),
      node('Sign', [clipped], ['input_sign']),
      node('Mul', ['input_sign', 'input_log_magnitude'], ['input_transformed']),
    );
    transformed = 'input_transformed';
  }
  nodes.push(node('Sub', [transformed, 'norm_mean'], ['centered']), node('Div', ['centered', 'norm_std'], ['normalized']));

  let previous = 'normalized';
  let inputs = width;
  if (spec.inputEncoding !== undefined) {
    // (x[feature] − lower) · scale − 0.5, clipped to [−0.5, 0.5]: the float32 operations of
    // encodeInputs in the same order, so onnxruntime and tfjs agree to the bit. Clip takes scalar
    // bounds as inputs from opset 11 on.
    const e = spec.inputEncoding;
    const columns = e.feature.length;
    initializers.push(
      int64Tensor('encoding_feature', [columns], Array.from(e.feature)),
      floatTensor('encoding_lower', [columns], e.lower),
      floatTensor('encoding_scale', [columns], e.scale),
      floatTensor('encoding_half', [], [0.5]),
      floatTensor('encoding_low', [], [-0.5]),
    );
    nodes.push(
      node('Gather', ['normalized', 'encoding_feature'], ['encoding_picked'], [attribute.int('axis', 1)]),
      node('Sub', ['encoding_picked', 'encoding_lower'], ['encoding_offset']),
      node('Mul', ['encoding_offset', 'encoding_scale'], ['encoding_position']),
      node('Sub', ['encoding_position', 'encoding_half'], ['encoding_centred']),
      node('Clip', ['encoding_centred', 'encoding_low', 'encoding_half'], ['encoded']),
    );
    previous = 'encoded';
    inputs = columns;
  }
  spec.layers.forEach((layer, k) => {
    const units = layer.bias.length;
    const last = k === spec.layers.length - 1;
    initializers.push(floatTensor(`dense${k}_weights`, [inputs, units], layer.weights), floatTensor(`dense${k}_bias`, [units], layer.bias));
    const linearOut = last && layer.activation === 'linear' ? 'logit' : `dense${k}`;
    // Gemm: Y = A·B + C with C broadcast over rows (onnx/docs/Operators.md#Gemm).
    nodes.push(node('Gemm', [previous, `dense${k}_weights`, `dense${k}_bias`], [linearOut]));
    previous = linearOut;
    if (layer.activation !== 'linear') {
      const activated = last ? 'logit' : `hidden${k}`;
      nodes.push(node(layer.activation === 'relu' ? 'Relu' : 'Tanh', [previous], [activated]));
      previous = activated;
    }
    inputs = units;
  });

  const calibration = calibrationNodes(spec.calibration, 'logit', MODEL_OUTPUT_NAME);
  initializers.push(...calibration.initializers);
  nodes.push(...calibration.nodes);

  const { metadata } = spec;
  return serializeModel({
    graph: {
      name: `mlp_${metadata.modelVersion}`,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(MODEL_INPUT_NAME, tensorType(OnnxDataType.FLOAT, [BATCH_DIM, width]), 'feature vectors in feature-spec order')],
      output: [
        valueInfo(MODEL_OUTPUT_NAME, tensorType(OnnxDataType.FLOAT, [BATCH_DIM, 1]), 'calibrated probability that an inspection finds contraband'),
      ],
    },
    metadata: {
      [ONNX_METADATA_KEYS.featureSpecHash]: metadata.featureSpecHash,
      [ONNX_METADATA_KEYS.featureNames]: JSON.stringify(metadata.featureNames),
      [ONNX_METADATA_KEYS.modelVersion]: metadata.modelVersion,
    },
    docString: `MLP ${[width, ...spec.layers.map((l) => l.bias.length)].join('-')}, ${spec.inputRange === undefined ? '' : 'inputs clipped to the training range, '}${spec.inputTransform === 'signed-log1p' ? 'signed-log1p inputs, ' : ''}${spec.inputEncoding === undefined ? '' : 'piecewise-linear encoded inputs, '}${spec.calibration.kind} calibration`,
  });
}

interface Subgraph {
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
}

function calibrationNodes(calibration: OnnxCalibration, logit: string, output: string): Subgraph {
  switch (calibration.kind) {
    case 'none':
      return { nodes: [node('Sigmoid', [logit], [output])], initializers: [] };
    case 'platt':
      return {
        nodes: [node('Mul', [logit, 'platt_a'], ['platt_scaled']), node('Add', ['platt_scaled', 'platt_b'], ['platt_z']), node('Sigmoid', ['platt_z'], [output])],
        initializers: [floatTensor('platt_a', [], [calibration.a]), floatTensor('platt_b', [], [calibration.b])],
      };
    case 'isotonic':
      return isotonicNodes(isotonicKnots(calibration.x, calibration.y), logit, output);
  }
}

/**
 * Knots as the graph holds them: x rounded to float32 (the logit is float32), and knots whose
 * x round to the same float32 merged into one keeping the later y, so no segment has width 0.
 * Only knots closer than one float32 step are merged; the fitted function differs from the
 * float64 one only inside that step.
 */
export function isotonicKnots(x: readonly number[], y: readonly number[]): { x: number[]; y: number[] } {
  const knotsX: number[] = [];
  const knotsY: number[] = [];
  for (let k = 0; k < x.length; k++) {
    const xk = Math.fround(x[k]!);
    if (knotsX.length > 0 && knotsX[knotsX.length - 1] === xk) {
      knotsY[knotsY.length - 1] = y[k]!;
    } else {
      knotsX.push(xk);
      knotsY.push(y[k]!);
    }
  }
  return { x: knotsX, y: knotsY };
}

/**
 * Piecewise-linear interpolation with plain ONNX operators (no ai.onnx.ml, no Loop):
 *
 *   z′ = max(z, x₀)                                   clamp below
 *   s  = Σ_{j=1..K−1} [z′ ≥ x_j]                      segment index, 0 … K−1
 *   p  = y[s] + (z′ − x[s]) · slope[s]                slope[k] = (y[k+1] − y[k]) / (x[k+1] − x[k])
 *
 * with slope[K−1] = 0, so the segment past the last knot is flat at y[K−1]: that is the clamp
 * above, without a second Clip. A logit on knot k lands in segment k with z′ − x[k] = 0, so
 * it returns y[k] exactly (0 · slope adds nothing, in float arithmetic too). Only one segment
 * contributes, so the error does not grow with the number of knots, as a sum of hinge
 * functions' would.
 *
 * Cost: the comparison is N × (K−1); the count runs as a float ReduceSum because onnxruntime's
 * int64 ReduceSum is several times slower (27 rows × 1000 knots: 21 µs against 113 µs here).
 */
function isotonicNodes(knots: { x: number[]; y: number[] }, logit: string, output: string): Subgraph {
  const { x, y } = knots;
  const count = x.length;
  if (count === 1) {
    // A single knot: the constant y₀ for every row.
    return {
      nodes: [node('Shape', [logit], ['iso_shape']), node('Expand', ['iso_constant', 'iso_shape'], [output])],
      initializers: [floatTensor('iso_constant', [1, 1], [y[0]!])],
    };
  }
  const slope = x.map((xk, k) => (k === count - 1 ? 0 : (y[k + 1]! - y[k]!) / (x[k + 1]! - xk)));
  return {
    initializers: [
      floatTensor('iso_min', [], [x[0]!]),
      floatTensor('iso_inner', [1, count - 1], x.slice(1)),
      int64Tensor('iso_axes', [1], [1]),
      floatTensor('iso_x', [count], x),
      floatTensor('iso_y', [count], y),
      floatTensor('iso_slope', [count], slope),
    ],
    nodes: [
      node('Max', [logit, 'iso_min'], ['iso_z']),
      node('GreaterOrEqual', ['iso_z', 'iso_inner'], ['iso_above']),
      node('Cast', ['iso_above'], ['iso_above_float'], [attribute.int('to', OnnxDataType.FLOAT)]),
      node('ReduceSum', ['iso_above_float', 'iso_axes'], ['iso_segment_float'], [attribute.int('keepdims', 1)]),
      node('Cast', ['iso_segment_float'], ['iso_segment'], [attribute.int('to', OnnxDataType.INT64)]),
      node('Gather', ['iso_x', 'iso_segment'], ['iso_x_at'], [attribute.int('axis', 0)]),
      node('Gather', ['iso_y', 'iso_segment'], ['iso_y_at'], [attribute.int('axis', 0)]),
      node('Gather', ['iso_slope', 'iso_segment'], ['iso_slope_at'], [attribute.int('axis', 0)]),
      node('Sub', ['iso_z', 'iso_x_at'], ['iso_offset']),
      node('Mul', ['iso_offset', 'iso_slope_at'], ['iso_rise']),
      node('Add', ['iso_y_at', 'iso_rise'], [output]),
    ],
  };
}

/** Checks shapes and values; returns D. Messages name the field and both numbers. */
function checkSpec(spec: MlpExportSpec): number {
  const { mean, std } = spec.inputNormalization;
  const width = mean.length;
  if (width === 0) throw new RangeError('inputNormalization.mean is empty');
  if (std.length !== width) throw new RangeError(`inputNormalization.std has ${std.length} values, inputNormalization.mean has ${width}`);
  checkFinite('inputNormalization.mean', mean);
  checkFinite('inputNormalization.std', std);
  if (spec.inputRange !== undefined) {
    const { lower, upper } = spec.inputRange;
    if (lower.length !== width) throw new RangeError(`inputRange.lower has ${lower.length} values, inputNormalization.mean has ${width}`);
    if (upper.length !== width) throw new RangeError(`inputRange.upper has ${upper.length} values, inputNormalization.mean has ${width}`);
    checkFinite('inputRange.lower', lower);
    checkFinite('inputRange.upper', upper);
    for (let i = 0; i < width; i++) {
      if (!(lower[i]! <= upper[i]!)) throw new RangeError(`inputRange.lower[${i}] is ${lower[i]}, above inputRange.upper[${i}] = ${upper[i]}`);
    }
  }
  for (let i = 0; i < width; i++) {
    if (!(std[i]! > 0)) throw new RangeError(`inputNormalization.std[${i}] is ${std[i]}, it must be above 0 (use 1 for a constant feature)`);
  }
  const names = spec.metadata.featureNames;
  if (names.length !== width) throw new RangeError(`metadata.featureNames has ${names.length} names, inputNormalization.mean has ${width} values`);

  let inputs = width;
  if (spec.inputEncoding !== undefined) {
    const { feature, lower, scale, inputSize } = spec.inputEncoding;
    if (inputSize !== width) throw new RangeError(`inputEncoding reads ${inputSize} features, inputNormalization.mean has ${width}`);
    if (feature.length === 0 || lower.length !== feature.length || scale.length !== feature.length) {
      throw new RangeError(`inputEncoding has ${feature.length} columns, ${lower.length} lower edges and ${scale.length} scales: they must be equal and above 0`);
    }
    feature.forEach((f, j) => {
      if (!(Number.isInteger(f) && f >= 0 && f < width)) throw new RangeError(`inputEncoding.feature[${j}] is ${f}, not a feature index below ${width}`);
    });
    checkFinite('inputEncoding.lower', lower);
    checkFinite('inputEncoding.scale', scale);
    inputs = feature.length;
  }
  if (spec.layers.length === 0) throw new RangeError('layers is empty: at least one layer must produce the logit');
  spec.layers.forEach((layer, k) => {
    const units = layer.bias.length;
    if (units === 0) throw new RangeError(`layers[${k}].bias is empty`);
    if (layer.weights.length !== inputs * units) {
      throw new RangeError(`layers[${k}].weights has ${layer.weights.length} values, expected ${inputs}×${units} = ${inputs * units}`);
    }
    checkFinite(`layers[${k}].weights`, layer.weights);
    checkFinite(`layers[${k}].bias`, layer.bias);
    inputs = units;
  });
  if (inputs !== 1) throw new RangeError(`layers[${spec.layers.length - 1}] has ${inputs} units, the last layer must have 1 (the logit)`);

  const calibration = spec.calibration;
  switch (calibration.kind) {
    case 'none':
      break;
    case 'platt':
      checkFinite('calibration.a', [calibration.a]);
      checkFinite('calibration.b', [calibration.b]);
      break;
    case 'isotonic': {
      const { x, y } = calibration;
      if (x.length === 0) throw new RangeError('calibration.x is empty');
      if (y.length !== x.length) throw new RangeError(`calibration.y has ${y.length} values, calibration.x has ${x.length}`);
      checkFinite('calibration.x', x);
      checkFinite('calibration.y', y);
      for (let k = 1; k < x.length; k++) {
        if (!(x[k]! > x[k - 1]!)) throw new RangeError(`calibration.x[${k}] is ${x[k]}, not above calibration.x[${k - 1}] = ${x[k - 1]}: x must be strictly ascending`);
      }
      break;
    }
  }
  return width;
}

function checkFinite(field: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${field}[${i}] is ${values[i]}, it must be a finite number`);
  }
}
