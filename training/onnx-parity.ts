import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_SPEC_HASH } from '../features/feature-spec.ts';
import { ONNX_METADATA_KEYS, probabilityAt, validateModelContract, type ModelContract } from '../models/model-contract.ts';
import { createModelSession, describeOnnxBytes } from '../models/onnx-file.ts';

/**
 * Batch scoring of a feature matrix with onnxruntime-node, and the export check built on it: the
 * ONNX graph, run by onnxruntime with the service's session options (models/onnx-file.ts), must
 * give the probabilities the trainer computed (tfjs network + calibration) on every holdout row
 * within `tolerance` (1e-5). A mismatch means the graph is not the model that was evaluated, and
 * the export fails rather than ship a card whose metrics describe another model.
 */

export const PARITY_TOLERANCE = 1e-5;

export interface ParityComparison {
  readonly rows: number;
  readonly maxAbsoluteDifference: number;
  /** The row with the largest difference, and both values there. */
  readonly worstRow: number;
  readonly onnxValue: number;
  readonly expectedValue: number;
}

export interface ParityResult extends ParityComparison {
  /** What onnxruntime gave for each row. */
  readonly onnxScores: Float32Array;
}

export class ParityError extends Error {
  override name = 'ParityError';
}

/**
 * Probabilities for raw (unstandardised) feature rows, in batches, read through the contract's
 * output form ([N], [N, 1], or column 1 of [N, 2]).
 */
export async function scoreMatrix(
  session: InferenceSession,
  contract: ModelContract,
  features: Float32Array,
  batchRows = 65_536,
): Promise<Float32Array> {
  const width = contract.width;
  const n = features.length / width;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += batchRows) {
    const rows = Math.min(batchRows, n - start);
    const input = new Tensor('float32', features.subarray(start * width, (start + rows) * width), [rows, width]);
    const result = await session.run({ [contract.inputName]: input }, [contract.outputName]);
    const output = result[contract.outputName]!;
    const values = output.data as Float32Array;
    for (let r = 0; r < rows; r++) out[start + r] = probabilityAt(values, contract.outputForm, r);
    output.dispose();
  }
  return out;
}

export function compareScores(actual: ArrayLike<number>, expected: ArrayLike<number>): ParityComparison {
  if (actual.length !== expected.length) throw new ParityError(`${actual.length} scores against ${expected.length} expected`);
  let worstRow = 0;
  let max = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    // A NaN difference is the worst there is, and stays: `d <= NaN` is false for every later row.
    if (Number.isNaN(d)) {
      max = d;
      worstRow = i;
      break;
    }
    if (d > max) {
      max = d;
      worstRow = i;
    }
  }
  return {
    rows: actual.length,
    maxAbsoluteDifference: max,
    worstRow,
    onnxValue: actual[worstRow] ?? Number.NaN,
    expectedValue: expected[worstRow] ?? Number.NaN,
  };
}

/** Loads `onnx` as the service would (contract checked), scores `features`, and refuses any difference above `tolerance`. */
export async function assertOnnxParity(
  onnx: Uint8Array,
  features: Float32Array,
  expected: ArrayLike<number>,
  tolerance = PARITY_TOLERANCE,
): Promise<ParityResult> {
  const file = describeOnnxBytes(onnx, 'exported model');
  const session = await createModelSession(onnx, {}, 'exported model');
  try {
    const contract = await validateModelContract(session, {
      expectedWidth: FEATURE_COUNT,
      expectedSpecHash: FEATURE_SPEC_HASH,
      metadataSpecHash: file.metadata[ONNX_METADATA_KEYS.featureSpecHash],
    });
    const onnxScores = await scoreMatrix(session, contract, features);
    const comparison = compareScores(onnxScores, expected);
    if (!(comparison.maxAbsoluteDifference <= tolerance)) {
      throw new ParityError(
        `ONNX export differs from the trained model: row ${comparison.worstRow} of ${comparison.rows} holdout rows scores ` +
          `${comparison.onnxValue} in onnxruntime and ${comparison.expectedValue} in tfjs + calibration ` +
          `(|difference| ${comparison.maxAbsoluteDifference.toExponential(2)} > ${tolerance}); the model was not written`,
      );
    }
    return { ...comparison, onnxScores };
  } finally {
    await session.release();
  }
}
