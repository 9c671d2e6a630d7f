import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { loadModel, ModelContractError } from '../../models/load-model.ts';
import { exportMlpToOnnx } from '../../training/onnx/export-mlp.ts';
import { handBuiltModel, randomLayers, randomMlpBytes, randomMlpSpec, writeModelFolder } from './model-fixtures.ts';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'load-model-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh model folder; `card` edits card.json before it is written. */
async function folder(bytes: Uint8Array, card?: (card: Record<string, unknown>) => void, outputName?: string): Promise<string> {
  const dir = join(root, `m${++count}`);
  await writeModelFolder(dir, bytes, { ...(card === undefined ? {} : { card }), ...(outputName === undefined ? {} : { outputName }) });
  return dir;
}

async function refusal(dir: string): Promise<string> {
  const error: unknown = await loadModel(dir).then(
    async (loaded) => {
      await loaded.session.release();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelContractError);
  return (error as Error).message;
}

const section = (card: Record<string, unknown>, name: string): Record<string, unknown> => card[name] as Record<string, unknown>;
const otherHash = 'c0ffee'.repeat(10) + 'c0ff';

describe('loadModel', () => {
  it('loads a valid folder: card, sha256, metadata, contract, a warmed session', async () => {
    const bytes = randomMlpBytes(createRandom(1));
    const dir = await folder(bytes);
    const loaded = await loadModel(dir);
    try {
      expect(loaded.card.modelDetails.version).toBe('test-1');
      expect(loaded.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(loaded.metadata.feature_spec_hash).toBe(FEATURE_SPEC_HASH);
      expect(loaded.contract).toEqual({ inputName: 'features', outputName: 'probability', width: FEATURE_COUNT, outputForm: 'column' });
      expect(loaded.session.inputNames).toEqual(['features']);
    } finally {
      await loaded.session.release();
    }
  });

  it('loads a model without metadata (an external model) on the card’s word', async () => {
    const loaded = await loadModel(await folder(handBuiltModel()));
    expect(loaded.metadata).toEqual({});
    expect(loaded.contract.outputForm).toBe('column');
    await loaded.session.release();
  });
});

describe('loadModel refuses, naming the folder, the thing and both values', () => {
  it('a card trained on another feature spec', async () => {
    const dir = await folder(randomMlpBytes(createRandom(3)), (card) => {
      section(card, 'featureSpec').hash = otherHash;
    });
    expect(await refusal(dir)).toBe(`${dir}: card featureSpec.hash c0ffeec0ffee… differs from this build's ${FEATURE_SPEC_HASH.slice(0, 12)}…`);
  });

  it('ONNX metadata naming another feature spec, even when the card agrees with this build', async () => {
    const spec = randomMlpSpec(createRandom(4));
    const dir = await folder(exportMlpToOnnx({ ...spec, metadata: { ...spec.metadata, featureSpecHash: otherHash } }));
    expect(await refusal(dir)).toBe(`${dir}: ONNX metadata feature_spec_hash c0ffeec0ffee… differs from this build's ${FEATURE_SPEC_HASH.slice(0, 12)}…`);
  });

  it('an ONNX file whose sha256 differs from the card’s', async () => {
    const bytes = randomMlpBytes(createRandom(5));
    const dir = await folder(bytes);
    const tampered = Uint8Array.from(bytes);
    tampered[tampered.length - 1] ^= 1;
    await writeFile(join(dir, 'model.onnx'), tampered);
    const actual = createHash('sha256').update(tampered).digest('hex');
    const carded = createHash('sha256').update(bytes).digest('hex');
    expect(await refusal(dir)).toBe(`${dir}: model.onnx has sha256 ${actual.slice(0, 12)}…, card onnx.sha256 is ${carded.slice(0, 12)}…`);
  });

  it('a model of the wrong width', async () => {
    const bytes = exportMlpToOnnx({
      inputNormalization: { mean: new Float32Array(34), std: new Float32Array(34).fill(1) },
      layers: randomLayers(createRandom(6), [34, 1], ['linear']),
      calibration: { kind: 'none' },
      metadata: { modelVersion: 'w', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES.slice(0, 34) },
    });
    const dir = await folder(bytes);
    expect(await refusal(dir)).toBe(`${dir}: model input 'features' has width 34, the feature spec has 35`);
  });

  it('a card whose output name the model lacks', async () => {
    const dir = await folder(randomMlpBytes(createRandom(7)), undefined, 'probabilities');
    expect(await refusal(dir)).toBe(`${dir}: model output 'probabilities' named by the card is not among the model's outputs 'probability'`);
  });

  it('a malformed card, naming the card field', async () => {
    const dir = await folder(randomMlpBytes(createRandom(8)), (card) => {
      section(card, 'onnx').sha256 = 'not-a-hash';
      delete section(card, 'decision').threshold;
    });
    const message = await refusal(dir);
    expect(message).toMatch(new RegExp(`^${dir}: card\\.json: `));
    expect(message).toContain('onnx.sha256: ');
    expect(message).toContain('decision.threshold: is required');
  });

  it('a card that is not JSON', async () => {
    const dir = await folder(randomMlpBytes(createRandom(9)));
    await writeFile(join(dir, 'card.json'), '{ "schemaVersion": 1, ');
    expect(await refusal(dir)).toMatch(new RegExp(`^${dir}: card\\.json is not valid JSON: `));
  });

  it('a folder without a card', async () => {
    const dir = await folder(randomMlpBytes(createRandom(10)));
    await rm(join(dir, 'card.json'));
    expect(await refusal(dir)).toBe(`${dir}: card.json is missing in ${dir}`);
  });

  it('a card naming a missing ONNX file, or one outside its folder', async () => {
    const missing = await folder(randomMlpBytes(createRandom(11)), (card) => {
      section(card, 'onnx').file = 'other.onnx';
    });
    expect(await refusal(missing)).toBe(`${missing}: other.onnx is missing`);
    const outside = await folder(randomMlpBytes(createRandom(12)), (card) => {
      section(card, 'onnx').file = '../m1/model.onnx';
    });
    expect(await refusal(outside)).toBe(`${outside}: card onnx.file '../m1/model.onnx' is not a file name in the model's folder`);
  });

  it('a card whose feature names are not the spec’s width', async () => {
    const dir = await folder(randomMlpBytes(createRandom(15)), (card) => {
      section(card, 'featureSpec').names = FEATURE_NAMES.slice(1);
    });
    expect(await refusal(dir)).toBe(`${dir}: card featureSpec.names has 34 names, the feature spec has 35`);
  });

  it('a card whose input name is not the contract’s', async () => {
    const dir = await folder(randomMlpBytes(createRandom(13)), (card) => {
      section(card, 'onnx').inputName = 'input';
    });
    expect(await refusal(dir)).toBe(`${dir}: card onnx.inputName 'input' differs from the contract's 'features'`);
  });

  it('bytes that are not an ONNX model (with a matching sha256)', async () => {
    const garbage = new TextEncoder().encode('this is not a protobuf model at all');
    const dir = await folder(garbage);
    expect(await refusal(dir)).toMatch(new RegExp(`^${dir}: model\\.onnx is not an ONNX model: `));
    // An empty file decodes as an empty ModelProto; onnxruntime is the one that refuses it.
    const empty = await folder(new Uint8Array(0));
    expect(await refusal(empty)).toMatch(new RegExp(`^${empty}: model\\.onnx does not load in onnxruntime: `));
  });

  it('leaves the folder as it was', async () => {
    const dir = await folder(randomMlpBytes(createRandom(14)), (card) => {
      section(card, 'featureSpec').hash = otherHash;
    });
    const before = await readFile(join(dir, 'card.json'), 'utf8');
    await refusal(dir);
    expect(await readFile(join(dir, 'card.json'), 'utf8')).toBe(before);
  });
});
