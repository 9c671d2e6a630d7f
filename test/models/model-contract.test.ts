import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { ModelContractError, validateModelContract, type ContractExpectation } from '../../models/model-contract.ts';
import { createModelSession } from '../../models/onnx-file.ts';
import { exportMlpToOnnx } from '../../training/onnx/export-mlp.ts';
import { buildTreeEnsembleClassifier } from '../../training/onnx/tree-ensemble.ts';
import { handBuiltModel, randomLayers, randomMlpBytes } from './model-fixtures.ts';

const sessions: InferenceSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

async function sessionOf(bytes: Uint8Array): Promise<InferenceSession> {
  const session = await createModelSession(bytes);
  sessions.push(session);
  return session;
}

const expectation: ContractExpectation = { expectedWidth: FEATURE_COUNT, expectedSpecHash: FEATURE_SPEC_HASH };

async function refusal(bytes: Uint8Array, extra: Partial<ContractExpectation> = {}): Promise<string> {
  const session = await sessionOf(bytes);
  const error: unknown = await validateModelContract(session, { ...expectation, ...extra }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelContractError);
  return (error as Error).message;
}

const stump = { feature: 0, threshold: 0.5, ifTrue: { leaf: -1 }, ifFalse: { leaf: 1 } };

describe('validateModelContract accepts the three output forms', () => {
  it('[N, 1] from our exporter', async () => {
    const contract = await validateModelContract(await sessionOf(randomMlpBytes(createRandom(1))), expectation);
    expect(contract).toEqual({ inputName: 'features', outputName: 'probability', width: FEATURE_COUNT, outputForm: 'column' });
  });

  it('[N]', async () => {
    const contract = await validateModelContract(await sessionOf(handBuiltModel({ vector: true })), expectation);
    expect(contract.outputForm).toBe('vector');
  });

  it('probabilities [N, 2] beside label from a TreeEnsembleClassifier, found by name', async () => {
    const bytes = buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees: [stump], aggregation: 'margin' });
    const contract = await validateModelContract(await sessionOf(bytes), expectation);
    expect(contract).toEqual({ inputName: 'features', outputName: 'probabilities', width: FEATURE_COUNT, outputForm: 'twoClass' });
  });


  it('a metadata spec hash equal to this build’s', async () => {
    const bytes = handBuiltModel({ metadata: { feature_spec_hash: FEATURE_SPEC_HASH } });
    await expect(validateModelContract(await sessionOf(bytes), { ...expectation, metadataSpecHash: FEATURE_SPEC_HASH })).resolves.toBeDefined();
  });
});

describe('validateModelContract refuses, naming the thing and both values', () => {
  it('wrong width', async () => {
    const bytes = exportMlpToOnnx({
      inputNormalization: { mean: new Float32Array(34), std: new Float32Array(34).fill(1) },
      layers: randomLayers(createRandom(3), [34, 1], ['linear']),
      calibration: { kind: 'none' },
      metadata: { modelVersion: 'w', featureSpecHash: FEATURE_SPEC_HASH, featureNames: Array.from({ length: 34 }, (_, i) => `f${i}`) },
    });
    expect(await refusal(bytes)).toBe("model input 'features' has width 34, the feature spec has 35");
  });

  it('wrong input name', async () => {
    const bytes = buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees: [stump], aggregation: 'margin', inputName: 'float_input' });
    expect(await refusal(bytes)).toBe(
      "model input is named 'float_input', the contract names it 'features' (name it at conversion, e.g. skl2onnx/onnxmltools initial_types=[('features', FloatTensorType([None, 35]))])",
    );
  });

  it('wrong input type (float64)', async () => {
    const bytes = buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees: [stump], aggregation: 'margin', inputType: 'float64' });
    expect(await refusal(bytes)).toBe("model input 'features' has type float64, the contract has float32");
  });

  it('a second input', async () => {
    expect(await refusal(handBuiltModel({ extraInput: true }))).toBe("model has 2 inputs ('features', 'port'), the contract has one: 'features'");
  });

  it('a fixed batch size', async () => {
    expect(await refusal(handBuiltModel({ batch: 1 }))).toMatch(/^model input 'features' has a fixed batch size 1, the contract has a free batch dimension \(N\)/);
  });

  it('wrong output shape [N, 3]', async () => {
    expect(await refusal(handBuiltModel({ units: 3 }))).toBe("model output 'probability' has shape [N, 3], the contract has [N], [N, 1] or [N, 2]");
  });

  it('an output that ignores the batch size ([1, 1] for 2 rows), caught by the probe run', async () => {
    expect(await refusal(handBuiltModel({ meanOverRows: true }))).toBe(
      "model output 'probability' has shape [1, 1] for 2 rows, the contract has [2], [2, 1] or [2, 2]",
    );
  });

  it('a raw margin instead of a probability', async () => {
    expect(await refusal(handBuiltModel({ logitOnly: true, bias: 3 }))).toMatch(/^model output 'probability' gave 3 for a zero row, a probability lies in \[0, 1\]/);
  });

  it('a ZipMap output (skl2onnx default)', async () => {
    const bytes = buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees: [stump], aggregation: 'margin', zipMap: true });
    expect(await refusal(bytes)).toMatch(/^model output 'output_probability' is not a tensor \(a ZipMap sequence of maps\?\).*zipmap/);
  });

  it('several outputs, none with a known probability name', async () => {
    expect(await refusal(handBuiltModel({ outputName: 'score', extraOutput: 'margin' }))).toBe(
      "model has outputs 'score', 'margin' and none is named 'probability', 'probabilities', 'output_probability': name the probability output (card onnx.outputName)",
    );
  });

  it('an output name the card gives that the model lacks', async () => {
    expect(await refusal(handBuiltModel(), { outputName: 'probabilities' })).toBe(
      "model output 'probabilities' named by the card is not among the model's outputs 'probability'",
    );
  });

  it('a metadata feature spec hash that differs from this build’s', async () => {
    const other = 'ab'.repeat(32);
    expect(await refusal(handBuiltModel(), { metadataSpecHash: other })).toBe(
      `ONNX metadata feature_spec_hash abababababab… differs from this build's ${FEATURE_SPEC_HASH.slice(0, 12)}…`,
    );
  });
});
