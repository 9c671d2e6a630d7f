import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH, FEATURE_SPEC_VERSION } from '../../features/feature-spec.ts';
import type { Random } from '../../lib/random.ts';
import { modelCardSchema, type ModelCard } from '../../models/model-card.ts';
import { OnnxDataType } from '../../models/onnx-proto.ts';
import { attribute, floatTensor, int64Tensor, node, serializeModel, tensorType, valueInfo } from '../../training/onnx/graph-builder.ts';
import { exportMlpToOnnx, type Activation, type DenseLayer, type MlpExportSpec, type OnnxCalibration } from '../../training/onnx/export-mlp.ts';

/** A card that passes modelCardSchema, with only what the loader and scorer read set on purpose. */
export function minimalCard(overrides: { version?: string; sha256?: string; outputName?: string; specHash?: string; file?: string } = {}): ModelCard {
  const evaluation = { rows: 0, positives: 0, aucRoc: 0.5, aucPr: 0, atReferralRates: [], expectedCalibrationError: 0, reliability: [] };
  return modelCardSchema.parse({
    schemaVersion: 1,
    modelDetails: {
      version: overrides.version ?? 'test-1',
      name: 'test model',
      createdAt: '2025-01-01T00:00:00.000Z',
      architecture: 'test',
      framework: 'test',
    },
    intendedUse: { primaryUse: 'tests', primaryUsers: [], outOfScope: [] },
    factors: { relevantFactors: [], evaluationFactors: [] },
    featureSpec: { version: FEATURE_SPEC_VERSION, hash: overrides.specHash ?? FEATURE_SPEC_HASH, names: [...FEATURE_NAMES] },
    onnx: {
      file: overrides.file ?? 'model.onnx',
      sha256: overrides.sha256 ?? '0'.repeat(64),
      inputName: 'features',
      outputName: overrides.outputName ?? 'probability',
    },
    decision: { threshold: 0.5, targetReferralRate: 0.01 },
    metrics: { holdout: evaluation },
    quantitativeAnalyses: { groups: [] },
    trainingData: { source: 'test', rows: 0, positives: 0, weighting: 'none' },
    evaluationData: { description: 'test', rows: 0 },
    training: {},
    reference: {
      features: FEATURE_NAMES.map((name) => ({ name, edges: [], proportions: [1] })),
      score: { edges: [], proportions: [1] },
      baseline: new Array<number>(FEATURE_COUNT).fill(0),
    },
    ethicalConsiderations: [],
    caveats: [],
  });
}

/** Writes `<dir>/model.onnx` and a card whose sha256 matches; `card` edits the card before it is written. */
export async function writeModelFolder(
  dir: string,
  bytes: Uint8Array,
  options: { outputName?: string; version?: string; card?: (card: Record<string, unknown>) => void } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const card = minimalCard({ sha256, ...(options.outputName === undefined ? {} : { outputName: options.outputName }), ...(options.version === undefined ? {} : { version: options.version }) });
  const json = JSON.parse(JSON.stringify(card)) as Record<string, unknown>;
  options.card?.(json);
  await writeFile(join(dir, 'card.json'), JSON.stringify(json, null, 2));
}

export function randomLayers(random: Random, sizes: readonly number[], activations: readonly Activation[]): DenseLayer[] {
  return sizes.slice(1).map((units, k) => {
    const inputs = sizes[k]!;
    return {
      weights: Float32Array.from({ length: inputs * units }, () => random.normal() / Math.sqrt(inputs)),
      bias: Float32Array.from({ length: units }, () => random.normal() * 0.1),
      activation: activations[k]!,
    };
  });
}

/** A small random MLP over the real feature spec (35 inputs), exported. */
export function randomMlpSpec(random: Random, calibration: OnnxCalibration = { kind: 'platt', a: 1.5, b: -0.5 }): MlpExportSpec {
  return {
    inputNormalization: {
      mean: Float32Array.from({ length: FEATURE_COUNT }, () => random.normal()),
      std: Float32Array.from({ length: FEATURE_COUNT }, () => 0.5 + random.next()),
    },
    layers: randomLayers(random, [FEATURE_COUNT, 16, 8, 1], ['relu', 'tanh', 'linear']),
    calibration,
    metadata: { modelVersion: 'test-1', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  };
}

export function randomMlpBytes(random: Random, calibration?: OnnxCalibration): Uint8Array {
  return exportMlpToOnnx(randomMlpSpec(random, calibration));
}

export interface HandBuiltModelOptions {
  readonly width?: number;
  readonly inputName?: string;
  /** Declared batch dimension of the input: symbolic 'N' unless a number is given. */
  readonly batch?: number | string;
  /** Output units before any reshape: 1 → [N, 1], 2 → [N, 2], 3 → [N, 3]. */
  readonly units?: number;
  /** Reshape the [N, 1] output to [N]. */
  readonly vector?: boolean;
  readonly outputName?: string;
  /** Each unit's value before the sigmoid (all weights are 0, so every row gets it): one for all, or one per unit. */
  readonly bias?: number | readonly number[];
  /** Leave out the sigmoid: the output is a raw margin. */
  readonly logitOnly?: boolean;
  readonly extraInput?: boolean;
  readonly extraOutput?: string;
  /** Average the rows into one: an output that ignores the batch size, [1, 1] whatever N. */
  readonly meanOverRows?: boolean;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * A model built node by node for contract tests: features → Gemm (zero weights, constant bias)
 * → Sigmoid → optional Reshape to [N]. Every row scores σ(bias).
 */
export function handBuiltModel(options: HandBuiltModelOptions = {}): Uint8Array {
  const width = options.width ?? FEATURE_COUNT;
  const units = options.units ?? 1;
  const inputName = options.inputName ?? 'features';
  const outputName = options.outputName ?? 'probability';
  const nodes = [node('Gemm', [inputName, 'w', 'b'], [options.logitOnly === true && options.vector !== true ? outputName : 'logit'])];
  const initializers = [floatTensor('w', [width, units], new Array<number>(width * units).fill(0)), floatTensor('b', [units], typeof options.bias === 'object' ? options.bias : new Array<number>(units).fill(options.bias ?? 0))];
  let last = options.logitOnly === true ? 'logit' : 'probability_column';
  if (options.logitOnly !== true) nodes.push(node('Sigmoid', ['logit'], [options.vector === true ? last : outputName]));
  if (options.meanOverRows === true) {
    nodes[nodes.length - 1] = node('Sigmoid', ['logit'], ['probability_rows']);
    nodes.push(node('ReduceMean', ['probability_rows'], [outputName], [attribute.ints('axes', [0]), attribute.int('keepdims', 1)]));
  }
  if (options.vector === true) {
    initializers.push(int64Tensor('flat', [1], [-1]));
    nodes.push(node('Reshape', [last, 'flat'], [outputName]));
    last = outputName;
  }
  const trueShape: (number | string)[] = options.vector === true ? ['N'] : [options.meanOverRows === true ? 1 : 'N', units];
  const outputs = [valueInfo(outputName, tensorType(OnnxDataType.FLOAT, trueShape))];
  if (options.extraOutput !== undefined) {
    nodes.push(node('Identity', ['logit'], [options.extraOutput]));
    outputs.push(valueInfo(options.extraOutput, tensorType(OnnxDataType.FLOAT, ['N', units])));
  }
  const inputs = [valueInfo(inputName, tensorType(OnnxDataType.FLOAT, [options.batch ?? 'N', width]))];
  if (options.extraInput === true) inputs.push(valueInfo('port', tensorType(OnnxDataType.FLOAT, ['N', 1])));
  return serializeModel({
    graph: { name: 'hand_built', node: nodes, initializer: initializers, input: inputs, output: outputs },
    metadata: options.metadata ?? {},
  });
}
