import type { InferenceSession } from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';

/**
 * The model contract (shared/DESIGN.md, "Model contract"), checked on a live onnxruntime
 * session: one input `features`, float32 [N, D] with D the feature spec's width and N free;
 * one probability output, float32 [N] or [N, 1], or a classifier's `probabilities` [N, 2] of
 * which column 1 is used; the feature spec hash it was trained on equal to this build's.
 *
 * Every refusal is a ModelContractError whose message names the thing and both values, in the
 * manner of onnxruntime's own argument checks (js/common/lib/inference-session-impl.ts:
 * "input 'features' is missing in 'feeds'").
 */

export const MODEL_INPUT_NAME = 'features';
/** What our exporter names its output; external models may name theirs differently (the card says). */
export const MODEL_OUTPUT_NAME = 'probability';

/** ModelProto.metadata_props keys the exporters write and the loader reads. */
export const ONNX_METADATA_KEYS = {
  featureSpecHash: 'feature_spec_hash',
  /** JSON array of the feature names, in input column order. */
  featureNames: 'feature_names',
  modelVersion: 'model_version',
} as const;

/**
 * Output names tried, in order, when neither a card nor the caller names the output and the
 * model has more than one: ours, onnxmltools' (XGBoost, LightGBM), skl2onnx's.
 */
export const PROBABILITY_OUTPUT_NAMES = ['probability', 'probabilities', 'output_probability'] as const;

export class ModelContractError extends Error {
  override readonly name = 'ModelContractError';
}

/**
 * How a probability is read from the output: `vector` [N], `column` [N, 1], or `twoClass`
 * [N, 2] (column 1, the positive class, as TreeEnsembleClassifier and ZipMap-free converter
 * outputs order it by class label 0, 1).
 */
export type OutputForm = 'vector' | 'column' | 'twoClass';

export interface ModelContract {
  readonly inputName: string;
  readonly outputName: string;
  readonly width: number;
  readonly outputForm: OutputForm;
}

export interface ContractExpectation {
  /** Feature spec width D (FEATURE_COUNT). */
  readonly expectedWidth: number;
  /** This build's FEATURE_SPEC_HASH. */
  readonly expectedSpecHash: string;
  /** `feature_spec_hash` from the ONNX file's metadata_props, when it has one. */
  readonly metadataSpecHash?: string | undefined;
  /** The card's `onnx.outputName`; otherwise the only output or the first of PROBABILITY_OUTPUT_NAMES. */
  readonly outputName?: string | undefined;
}

/** `9f3b2c1d0e4a…`: enough of a hash to tell two apart in a message. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}

const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

/**
 * The static part of the contract, from the session's input and output metadata: names,
 * element types and shapes. Synchronous, so the scorer can use it too.
 */
export function describeModelIo(
  session: Pick<InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>,
  expectation: Pick<ContractExpectation, 'expectedWidth' | 'outputName'>,
): ModelContract {
  const { expectedWidth } = expectation;

  if (session.inputNames.length !== 1) {
    throw new ModelContractError(
      `model has ${session.inputNames.length} inputs (${quoted(session.inputNames)}), the contract has one: '${MODEL_INPUT_NAME}'`,
    );
  }
  const input = session.inputMetadata[0]!;
  if (input.name !== MODEL_INPUT_NAME) {
    throw new ModelContractError(
      `model input is named '${input.name}', the contract names it '${MODEL_INPUT_NAME}' (name it at conversion, e.g. skl2onnx/onnxmltools initial_types=[('${MODEL_INPUT_NAME}', FloatTensorType([None, ${expectedWidth}]))])`,
    );
  }
  if (!input.isTensor) {
    throw new ModelContractError(`model input '${input.name}' is not a tensor, the contract has float32 [N, ${expectedWidth}]`);
  }
  if (input.type !== 'float32') {
    throw new ModelContractError(`model input '${input.name}' has type ${input.type}, the contract has float32`);
  }
  if (input.shape.length !== 2) {
    throw new ModelContractError(
      `model input '${input.name}' has shape [${input.shape.join(', ')}], the contract has [N, ${expectedWidth}]`,
    );
  }
  const [batch, width] = input.shape;
  if (width !== expectedWidth) {
    throw new ModelContractError(`model input '${input.name}' has width ${String(width)}, the feature spec has ${expectedWidth}`);
  }
  if (typeof batch === 'number') {
    throw new ModelContractError(
      `model input '${input.name}' has a fixed batch size ${batch}, the contract has a free batch dimension (N): the scorer sends one row plus its occlusions in one run`,
    );
  }

  const outputName = chooseOutput(session.outputNames, expectation.outputName);
  const output = session.outputMetadata[session.outputNames.indexOf(outputName)]!;
  if (!output.isTensor) {
    throw new ModelContractError(
      `model output '${outputName}' is not a tensor (a ZipMap sequence of maps?), the contract has a float32 tensor [N], [N, 1] or [N, 2]: convert without ZipMap (skl2onnx: options={'zipmap': False}; onnxmltools convert_lightgbm: zipmap=False)`,
    );
  }
  if (output.type !== 'float32') {
    throw new ModelContractError(`model output '${outputName}' has type ${output.type}, the contract has float32`);
  }
  return { inputName: MODEL_INPUT_NAME, outputName, width: expectedWidth, outputForm: outputFormOf(outputName, output.shape) };
}

function chooseOutput(outputNames: readonly string[], requested: string | undefined): string {
  if (requested !== undefined) {
    if (!outputNames.includes(requested)) {
      throw new ModelContractError(`model output '${requested}' named by the card is not among the model's outputs ${quoted(outputNames)}`);
    }
    return requested;
  }
  if (outputNames.length === 1) return outputNames[0]!;
  const known = PROBABILITY_OUTPUT_NAMES.find((name) => outputNames.includes(name));
  if (known === undefined) {
    throw new ModelContractError(
      `model has outputs ${quoted(outputNames)} and none is named ${quoted(PROBABILITY_OUTPUT_NAMES)}: name the probability output (card onnx.outputName)`,
    );
  }
  return known;
}

/** An empty shape means the model does not declare one; the probe run in validateModelContract settles it. */
function outputFormOf(name: string, shape: readonly (number | string)[]): OutputForm {
  if (shape.length === 0) return 'vector';
  const described = `[${shape.join(', ')}]`;
  if (shape.length === 1) return 'vector';
  if (shape.length === 2) {
    if (shape[1] === 1) return 'column';
    if (shape[1] === 2) return 'twoClass';
  }
  throw new ModelContractError(`model output '${name}' has shape ${described}, the contract has [N], [N, 1] or [N, 2]`);
}

/** Output form from the dimensions of a real result for `rows` rows; null when they fit none. */
export function outputFormOfDims(dims: readonly number[], rows: number): OutputForm | null {
  if (dims.length === 1 && dims[0] === rows) return 'vector';
  if (dims.length === 2 && dims[0] === rows && dims[1] === 1) return 'column';
  if (dims.length === 2 && dims[0] === rows && dims[1] === 2) return 'twoClass';
  return null;
}

/** Rows the probe run feeds: two, so an output that ignores the batch size shows itself. */
const PROBE_ROWS = 2;

/**
 * The whole contract on a live session: the static checks of describeModelIo, the feature spec
 * hash from the ONNX metadata when present, then one probe run on zero rows that checks the
 * output really has one probability per row (and warms the session: the first run of a fresh
 * onnxruntime session allocates its buffers). Used by loadModel, and by `model:check` on
 * external models that have no card yet.
 */
export async function validateModelContract(session: InferenceSession, expectation: ContractExpectation): Promise<ModelContract> {
  const { metadataSpecHash, expectedSpecHash } = expectation;
  if (metadataSpecHash !== undefined && metadataSpecHash !== expectedSpecHash) {
    throw new ModelContractError(
      `ONNX metadata ${ONNX_METADATA_KEYS.featureSpecHash} ${shortHash(metadataSpecHash)} differs from this build's ${shortHash(expectedSpecHash)}`,
    );
  }
  const contract = describeModelIo(session, expectation);
  const probe = new Tensor('float32', new Float32Array(PROBE_ROWS * contract.width), [PROBE_ROWS, contract.width]);
  let result: InferenceSession.ReturnType;
  try {
    result = await session.run({ [contract.inputName]: probe }, [contract.outputName]);
  } catch (error) {
    throw new ModelContractError(
      `model failed on a probe of ${PROBE_ROWS} zero rows of width ${contract.width}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const output = result[contract.outputName]!;
  if (output.type !== 'float32') {
    throw new ModelContractError(`model output '${contract.outputName}' has type ${output.type} at run time, the contract has float32`);
  }
  const form = outputFormOfDims(output.dims, PROBE_ROWS);
  if (form === null) {
    throw new ModelContractError(
      `model output '${contract.outputName}' has shape [${output.dims.join(', ')}] for ${PROBE_ROWS} rows, the contract has [${PROBE_ROWS}], [${PROBE_ROWS}, 1] or [${PROBE_ROWS}, 2]`,
    );
  }
  const values = output.data as Float32Array;
  for (let row = 0; row < PROBE_ROWS; row++) {
    const p = probabilityAt(values, form, row);
    if (!(p >= 0 && p <= 1)) {
      throw new ModelContractError(
        `model output '${contract.outputName}' gave ${p} for a zero row, a probability lies in [0, 1] (a raw margin or logit? export with a logistic post-transform)`,
      );
    }
  }
  return { ...contract, outputForm: form };
}

/** Row `row`'s probability in an output of the given form. */
export function probabilityAt(values: Float32Array, form: OutputForm, row: number): number {
  return form === 'twoClass' ? values[row * 2 + 1]! : values[row]!;
}
