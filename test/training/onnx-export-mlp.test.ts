import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { createRandom, type Random } from '../../lib/random.ts';
import { createModelSession } from '../../models/onnx-file.ts';
import { ModelProtoType, readOnnxMetadata } from '../../models/onnx-proto.ts';
import { exportMlpToOnnx, isotonicKnots, type Activation, type MlpExportSpec, type OnnxCalibration } from '../../training/onnx/export-mlp.ts';
import { randomLayers } from '../models/model-fixtures.ts';
import { interpolate, referenceProbability } from './mlp-reference.ts';

const sessions: InferenceSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

async function run(bytes: Uint8Array, rows: Float32Array, width: number): Promise<Float32Array> {
  const session = await createModelSession(bytes);
  sessions.push(session);
  const count = rows.length / width;
  const result = await session.run({ features: new Tensor('float32', rows, [count, width]) });
  expect(result.probability!.dims).toEqual([count, 1]);
  return result.probability!.data as Float32Array;
}

function spec(random: Random, activations: readonly Activation[], calibration: OnnxCalibration): MlpExportSpec {
  return {
    inputNormalization: {
      mean: Float32Array.from({ length: FEATURE_COUNT }, () => random.normal() * 2),
      std: Float32Array.from({ length: FEATURE_COUNT }, () => 0.5 + 2 * random.next()),
    },
    layers: randomLayers(random, [FEATURE_COUNT, 12, 6, 1], activations),
    calibration,
    metadata: { modelVersion: 'parity', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  };
}

/** Monotone knots over the logits a random net produces, as PAV would fit them. */
function randomIsotonic(random: Random, count: number): OnnxCalibration {
  const x: number[] = [];
  const y: number[] = [];
  let xk = -4;
  let yk = 0.01;
  for (let k = 0; k < count; k++) {
    x.push(xk);
    y.push(yk);
    xk += 0.05 + random.next() * (8 / count);
    yk = Math.min(0.99, yk + (random.chance(0.3) ? 0 : random.next() * (1 / count)));
  }
  return { kind: 'isotonic', x, y };
}

describe('exportMlpToOnnx: onnxruntime equals a JS forward pass', () => {
  const random = createRandom(2024);
  const rows = 64;
  const input = Float32Array.from({ length: rows * FEATURE_COUNT }, () => random.normal() * 3);
  const calibrations: [string, OnnxCalibration][] = [
    ['none', { kind: 'none' }],
    ['platt', { kind: 'platt', a: 1.7, b: -2.3 }],
    ['isotonic', randomIsotonic(random, 60)],
  ];
  const activationSets: (readonly Activation[])[] = [
    ['relu', 'relu', 'linear'],
    ['tanh', 'tanh', 'linear'],
    ['linear', 'relu', 'linear'],
    ['relu', 'tanh', 'tanh'], // an activation on the last layer as well
  ];

  for (const [calibrationName, calibration] of calibrations) {
    for (const activations of activationSets) {
      it(`${activations.join('/')} with ${calibrationName} calibration, within 1e-6 on ${rows} random rows`, async () => {
        const exportSpec = spec(random, activations, calibration);
        const output = await run(exportMlpToOnnx(exportSpec), input, FEATURE_COUNT);
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          const expected = referenceProbability(exportSpec, input.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT));
          worst = Math.max(worst, Math.abs(output[r]! - expected));
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
      });
    }
  }

  it('applies sign(x)·ln(1 + |x|) to the raw inputs when asked, within 1e-6, and leaves them alone by default', async () => {
    // Heavy-tailed inputs, as counts are: 0, negatives, and values in the thousands.
    const heavy = Float32Array.from({ length: rows * FEATURE_COUNT }, (_, i) => (i % 7 === 0 ? 0 : random.normal() * Math.exp(3 * random.next() * 3)));
    const base = spec(random, ['relu', 'relu', 'linear'], { kind: 'platt', a: 1.2, b: -1 });
    const logged: MlpExportSpec = { ...base, inputTransform: 'signed-log1p' };
    const [withTransform, without] = await Promise.all([run(exportMlpToOnnx(logged), heavy, FEATURE_COUNT), run(exportMlpToOnnx(base), heavy, FEATURE_COUNT)]);
    let worst = 0;
    let differs = 0;
    for (let r = 0; r < rows; r++) {
      const row = heavy.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT);
      worst = Math.max(worst, Math.abs(withTransform[r]! - referenceProbability(logged, row)));
      expect(without[r]).toBeCloseTo(referenceProbability(base, row), 6);
      if (Math.abs(withTransform[r]! - without[r]!) > 1e-3) differs++;
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(differs).toBeGreaterThan(rows / 2);
  });

  it('clips each raw input to its range before the transform when asked, within 1e-6', async () => {
    // Bounds around the middle of the inputs' spread, so most rows have features on both sides.
    const lower = Float32Array.from({ length: FEATURE_COUNT }, () => -1 - random.next());
    const upper = Float32Array.from({ length: FEATURE_COUNT }, () => 1 + random.next());
    const base = spec(random, ['relu', 'relu', 'linear'], { kind: 'platt', a: 0.8, b: -0.5 });
    const clipped: MlpExportSpec = { ...base, inputRange: { lower, upper } };
    const both: MlpExportSpec = { ...clipped, inputTransform: 'signed-log1p' };
    const [clippedOut, bothOut, plainOut] = await Promise.all(
      [clipped, both, base].map((s) => run(exportMlpToOnnx(s), input, FEATURE_COUNT)),
    );
    let worst = 0;
    let differs = 0;
    for (let r = 0; r < rows; r++) {
      const row = input.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT);
      worst = Math.max(worst, Math.abs(clippedOut![r]! - referenceProbability(clipped, row)), Math.abs(bothOut![r]! - referenceProbability(both, row)));
      if (Math.abs(clippedOut![r]! - plainOut![r]!) > 1e-3) differs++;
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(differs).toBeGreaterThan(rows / 2);
    // A row inside the range scores as without clipping.
    const inside = Float32Array.from({ length: FEATURE_COUNT }, (_, i) => (lower[i]! + upper[i]!) / 2);
    const [a, b] = await Promise.all([run(exportMlpToOnnx(clipped), inside, FEATURE_COUNT), run(exportMlpToOnnx(base), inside, FEATURE_COUNT)]);
    expect(a![0]).toBe(b![0]);
  });

  it('refuses an input range of the wrong width or with lower above upper, naming the field', () => {
    const base = spec(random, ['relu', 'relu', 'linear'], { kind: 'none' });
    const lower = new Float32Array(FEATURE_COUNT);
    const upper = new Float32Array(FEATURE_COUNT).fill(1);
    expect(() => exportMlpToOnnx({ ...base, inputRange: { lower: lower.subarray(1), upper } })).toThrow(
      `inputRange.lower has ${FEATURE_COUNT - 1} values, inputNormalization.mean has ${FEATURE_COUNT}`,
    );
    upper[3] = -1;
    expect(() => exportMlpToOnnx({ ...base, inputRange: { lower, upper } })).toThrow('inputRange.lower[3] is 0, above inputRange.upper[3] = -1');
  });

  it('exports logistic regression (no hidden layer)', async () => {
    const exportSpec: MlpExportSpec = { ...spec(random, ['linear'], { kind: 'platt', a: 1, b: 0 }), layers: randomLayers(random, [FEATURE_COUNT, 1], ['linear']) };
    const output = await run(exportMlpToOnnx(exportSpec), input, FEATURE_COUNT);
    for (let r = 0; r < rows; r++) {
      expect(output[r]).toBeCloseTo(referenceProbability(exportSpec, input.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT)), 6);
    }
  });
});

describe('isotonic calibration in the graph', () => {
  /** A one-feature identity network, so the feature is the logit the calibration sees. */
  const identity = (calibration: OnnxCalibration): Uint8Array =>
    exportMlpToOnnx({
      inputNormalization: { mean: new Float32Array([0]), std: new Float32Array([1]) },
      layers: [{ weights: new Float32Array([1]), bias: new Float32Array([0]), activation: 'linear' }],
      calibration,
      metadata: { modelVersion: 'iso', featureSpecHash: FEATURE_SPEC_HASH, featureNames: ['logit'] },
    });
  const x = [-2, -0.5, 0.25, 1, 3];
  const y = [0.05, 0.1, 0.4, 0.4, 0.9];

  it('returns each knot’s y exactly at the knot, and the end values beyond the ends', async () => {
    const logits = new Float32Array([...x, -1000, -2.0001, 3.0001, 1000]);
    const output = await run(identity({ kind: 'isotonic', x, y }), logits, 1);
    x.forEach((_, k) => expect(output[k]).toBe(Math.fround(y[k]!)));
    expect(Array.from(output.subarray(x.length))).toEqual([0.05, 0.05, 0.9, 0.9].map(Math.fround));
  });

  it('is linear between knots (hand-computed midpoints and quarter points)', async () => {
    // (-2, .05)–(-.5, .1): at -1.25 → .075; (-.5, .1)–(.25, .4): at -.125 → .25;
    // (.25, .4)–(1, .4) flat → .4; (1, .4)–(3, .9): at 1.5 → .525, at 2.5 → .775.
    const output = await run(identity({ kind: 'isotonic', x, y }), new Float32Array([-1.25, -0.125, 0.625, 1.5, 2.5]), 1);
    const expected = [0.075, 0.25, 0.4, 0.525, 0.775];
    expected.forEach((value, i) => expect(Math.abs(output[i]! - value)).toBeLessThan(1e-7));
  });

  it('matches textbook interpolation on 2000 random logits through 400 knots within 1e-6', async () => {
    const random = createRandom(11);
    const calibration = randomIsotonic(random, 400) as Extract<OnnxCalibration, { kind: 'isotonic' }>;
    const span = calibration.x[calibration.x.length - 1]! - calibration.x[0]!;
    const logits = Float32Array.from({ length: 2000 }, () => calibration.x[0]! - 1 + random.next() * (span + 2));
    const output = await run(identity(calibration), logits, 1);
    const knots = calibration.x.map(Math.fround);
    let worst = 0;
    logits.forEach((z, i) => {
      worst = Math.max(worst, Math.abs(output[i]! - interpolate(knots, calibration.y, z)));
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('handles one knot (a constant) and two knots (one segment)', async () => {
    const constant = await run(identity({ kind: 'isotonic', x: [0.5], y: [0.3] }), new Float32Array([-5, 0.5, 5]), 1);
    expect(Array.from(constant)).toEqual([0.3, 0.3, 0.3].map(Math.fround));
    const line = await run(identity({ kind: 'isotonic', x: [0, 2], y: [0.2, 0.6] }), new Float32Array([-1, 0, 1, 2, 3]), 1);
    expect(Array.from(line).map((p) => Math.round(p * 1e6) / 1e6)).toEqual([0.2, 0.2, 0.4, 0.6, 0.6]);
  });

  it('merges knots that round to the same float32, keeping the later y', async () => {
    expect(isotonicKnots([0, 1, 1 + 1e-9, 2], [0.1, 0.2, 0.5, 0.6])).toEqual({ x: [0, 1, 2], y: [0.1, 0.5, 0.6] });
    const output = await run(identity({ kind: 'isotonic', x: [0, 1, 1 + 1e-9, 2], y: [0.1, 0.2, 0.5, 0.6] }), new Float32Array([0.5, 1, 1.5]), 1);
    expect(Array.from(output).map((p) => Math.round(p * 1e6) / 1e6)).toEqual([0.3, 0.5, 0.55]);
  });
});

describe('exportMlpToOnnx: the file', () => {
  const random = createRandom(5);
  const exportSpec = spec(random, ['relu', 'relu', 'linear'], { kind: 'platt', a: 1, b: 0 });
  const bytes = exportMlpToOnnx(exportSpec);

  it('declares features float32 [N, D] in, probability float32 [N, 1] out, at IR 8 / opset 17', () => {
    const model = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number }) as {
      irVersion: number;
      opsetImport: { domain?: string; version: number }[];
      graph: { input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[]; output: { name: string }[] };
    };
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport).toEqual([{ domain: '', version: 17 }]);
    const [input] = model.graph.input;
    expect(input!.name).toBe('features');
    expect(input!.type.tensorType.elemType).toBe(1);
    expect(input!.type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: FEATURE_COUNT }]);
    expect(model.graph.output.map((o) => o.name)).toEqual(['probability']);
  });

  it('carries the feature spec hash, the feature names and the model version in metadata_props', () => {
    const metadata = readOnnxMetadata(bytes);
    expect(metadata.feature_spec_hash).toBe(FEATURE_SPEC_HASH);
    expect(JSON.parse(metadata.feature_names!)).toEqual([...FEATURE_NAMES]);
    expect(metadata.model_version).toBe('parity');
  });

  it('is byte-for-byte reproducible from the same spec', () => {
    expect(Buffer.from(exportMlpToOnnx(exportSpec)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('exportMlpToOnnx: refuses a malformed spec naming the field', () => {
  const random = createRandom(9);
  const good = spec(random, ['relu', 'relu', 'linear'], { kind: 'none' });
  const cases: [string, MlpExportSpec, RegExp][] = [
    [
      'std of 0',
      { ...good, inputNormalization: { mean: good.inputNormalization.mean, std: Float32Array.from(good.inputNormalization.std, (s, i) => (i === 3 ? 0 : s)) } },
      /^inputNormalization\.std\[3\] is 0, it must be above 0/,
    ],
    ['std length', { ...good, inputNormalization: { mean: good.inputNormalization.mean, std: new Float32Array(3).fill(1) } }, /^inputNormalization\.std has 3 values, inputNormalization\.mean has 35$/],
    [
      'weights length',
      { ...good, layers: [{ ...good.layers[0]!, weights: new Float32Array(10) }, ...good.layers.slice(1)] },
      /^layers\[0\]\.weights has 10 values, expected 35×12 = 420$/,
    ],
    ['two output units', { ...good, layers: randomLayers(random, [FEATURE_COUNT, 2], ['linear']) }, /^layers\[0\] has 2 units, the last layer must have 1/],
    ['NaN weight', { ...good, layers: [{ ...good.layers[0]!, weights: new Float32Array(420).fill(Number.NaN) }, ...good.layers.slice(1)] }, /^layers\[0\]\.weights\[0\] is NaN/],
    ['names', { ...good, metadata: { ...good.metadata, featureNames: ['a'] } }, /^metadata\.featureNames has 1 names, inputNormalization\.mean has 35 values$/],
    ['isotonic x not ascending', { ...good, calibration: { kind: 'isotonic', x: [0, 2, 1], y: [0, 0.5, 1] } }, /^calibration\.x\[2\] is 1, not above calibration\.x\[1\] = 2/],
    ['isotonic lengths', { ...good, calibration: { kind: 'isotonic', x: [0, 1], y: [0] } }, /^calibration\.y has 1 values, calibration\.x has 2$/],
  ];
  for (const [name, bad, message] of cases) {
    it(name, () => expect(() => exportMlpToOnnx(bad)).toThrow(message));
  }
});
