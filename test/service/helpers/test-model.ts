import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FEATURE_COUNT, FEATURE_INDEX, FEATURE_NAMES, FEATURE_SPEC_HASH, type FeatureName } from '../../../features/feature-spec.ts';
import { exportMlpToOnnx } from '../../../training/onnx/export-mlp.ts';
import { minimalCard } from '../../models/model-fixtures.ts';

/**
 * A logistic regression with hand-set weights, exported with the real ONNX exporter:
 *   score = σ(BIAS + Σ w_i x_i)
 * so tests know the answer (referenceScore) and know which way each feature pushes.
 */
export const TEST_WEIGHTS: Partial<Record<FeatureName, number>> = {
  vehiclePriorReferrals: 0.9,
  vehiclePriorSeizures: 1.6,
  occupantPriorReferrals: 0.4,
  occupantPriorSeizures: 0.8,
  vehicleCrossings24h: 0.5,
  vehicleDistinctDrivers30d: 0.3,
  firstTimeOccupants: 0.35,
  driverNeverSeen: 0.25,
  trustedTravelerShare: -1.4,
  laneGeneral: 0.3,
  laneSentri: -0.8,
  occupantCount: 0.1,
  hourOfDayCos: -0.2,
};
export const TEST_BIAS = -2.2;
export const TEST_THRESHOLD = 0.2;

export function testWeightVector(): Float32Array {
  const w = new Float32Array(FEATURE_COUNT);
  for (const [name, weight] of Object.entries(TEST_WEIGHTS)) w[FEATURE_INDEX[name as FeatureName]] = weight;
  return w;
}

/** The model's answer computed in JavaScript (float64), for comparison with onnxruntime's float32. */
export function referenceScore(features: ArrayLike<number>): number {
  const w = testWeightVector();
  let z = TEST_BIAS;
  for (let i = 0; i < FEATURE_COUNT; i++) z += w[i]! * features[i]!;
  return 1 / (1 + Math.exp(-z));
}

/** Baseline for occlusion: zeros, except where zero is not a typical value. */
export function testBaseline(): number[] {
  const baseline = new Array<number>(FEATURE_COUNT).fill(0);
  baseline[FEATURE_INDEX.occupantCount] = 1;
  baseline[FEATURE_INDEX.laneGeneral] = 1;
  baseline[FEATURE_INDEX.hourOfDayCos] = 1;
  baseline[FEATURE_INDEX.vehicleDaysSinceLastCrossing] = 365;
  return baseline;
}

export async function writeTestModel(modelsDir: string, version = 'test-lr'): Promise<string> {
  const bytes = exportMlpToOnnx({
    inputNormalization: { mean: new Float32Array(FEATURE_COUNT), std: new Float32Array(FEATURE_COUNT).fill(1) },
    layers: [{ weights: testWeightVector(), bias: [TEST_BIAS], activation: 'linear' }],
    calibration: { kind: 'none' },
    metadata: { modelVersion: version, featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  });
  return writeModelWithCard(modelsDir, version, bytes, TEST_THRESHOLD, testBaseline());
}

/** `<modelsDir>/<version>/model.onnx` and a valid card naming its sha256, threshold and occlusion baseline. */
export async function writeModelWithCard(modelsDir: string, version: string, bytes: Uint8Array, threshold: number, baseline: readonly number[]): Promise<string> {
  const dir = join(modelsDir, version);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), bytes);
  const card = minimalCard({ version, sha256: createHash('sha256').update(bytes).digest('hex') });
  const json = {
    ...card,
    decision: { threshold, targetReferralRate: 0.05 },
    reference: { ...card.reference, baseline: [...baseline] },
  };
  await writeFile(join(dir, 'card.json'), JSON.stringify(json, null, 2));
  return dir;
}
