import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { loadModel } from '../../models/load-model.ts';
import { createScorer } from '../../models/scorer.ts';
import type { LabelledTable } from '../../training/labelled-table.ts';
import type { DenseLayer } from '../../training/mlp.ts';
import { exportMlpToOnnx } from '../../training/onnx/export-mlp.ts';
import { assertOnnxParity } from '../../training/onnx-parity.ts';
import { NoReferralsError } from '../../training/referral-shortfall.ts';
import { selectRows } from '../../training/standardize.ts';
import { DEFAULT_TRAINING_CONFIG, type TrainedModel } from '../../training/train-model.ts';
import { comparisonTable } from '../../training/train-command.ts';
import { writeTrainedModel, type ModelOutput } from '../../training/write-model.ts';

/**
 * The card a trained model is written with describes the model the service runs: its threshold,
 * operating points and group metrics come from onnxruntime's float32 scores (the parity run), not
 * the trainer's float64 ones, so the served model refers what the card says. A threshold that
 * refers no holdout crossing is refused unless allowed.
 *
 * The models here are built by hand rather than trained, so the expected figures can be worked
 * out: a logistic model on feature 0 alone (weight 1, bias 0, no calibration), 200 rows 10 minutes
 * apart: train 0–79, validation 80–99, holdout 100–199.
 */

const ROWS = 200;
const HOLDOUT = Uint32Array.from({ length: 100 }, (_, i) => 100 + i);
let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'write-model-test-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Feature 0 of row r is `value(r)`; the other features are 0. */
function handTable(value: (row: number) => number, positives: readonly number[]): LabelledTable {
  const features = new Float32Array(ROWS * FEATURE_COUNT);
  const labels = new Uint8Array(ROWS);
  const timestamps = new Float64Array(ROWS);
  const start = Date.parse('2025-03-01T00:00:00Z');
  for (let r = 0; r < ROWS; r++) {
    features[r * FEATURE_COUNT] = value(r);
    timestamps[r] = start + r * 600_000;
  }
  for (const r of positives) labels[r] = 1;
  const cycle = (values: readonly string[]): string[] => Array.from({ length: ROWS }, (_, i) => values[i % values.length]!);
  return {
    rows: ROWS,
    features,
    labels,
    weights: new Float64Array(ROWS).fill(1),
    timestamps,
    timestampTexts: Array.from(timestamps, (t) => new Date(t).toISOString()),
    ports: cycle(['2504']),
    groups: { sex: cycle(['female', 'male']), ageBand: cycle(['25-34']), citizenship: cycle(['USA']) },
  };
}

const LAYER: DenseLayer = {
  inputSize: FEATURE_COUNT,
  outputSize: 1,
  weights: Float32Array.from({ length: FEATURE_COUNT }, (_, i) => (i === 0 ? 1 : 0)),
  bias: Float32Array.of(0),
  activation: 'linear',
};

/** onnxruntime's scores of the hand model on the holdout rows (the parity run, any tolerance). */
async function onnxHoldoutScores(table: LabelledTable): Promise<Float32Array> {
  const onnx = exportMlpToOnnx({
    inputNormalization: { mean: new Float32Array(FEATURE_COUNT), std: new Float32Array(FEATURE_COUNT).fill(1) },
    layers: [LAYER],
    calibration: { kind: 'none' },
    metadata: { modelVersion: 'probe', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  });
  const features = selectRows(table.features, FEATURE_COUNT, HOLDOUT);
  return (await assertOnnxParity(onnx, features, new Float64Array(HOLDOUT.length), Number.POSITIVE_INFINITY)).onnxScores;
}

/** The hand model as the trainer would hand it over, with `holdoutScores` as the trainer computed them. */
function handTrained(holdoutScores: Float64Array, targetReferralRate: number): TrainedModel {
  const range = (from: number, to: number): Uint32Array => Uint32Array.from({ length: to - from }, (_, i) => from + i);
  const start = Date.parse('2025-03-01T00:00:00Z');
  return {
    config: { ...DEFAULT_TRAINING_CONFIG, hiddenLayers: [], inputClipping: 'none', targetReferralRate },
    backend: 'none (built by hand)',
    split: { train: range(0, 80), validation: range(80, 100), holdout: HOLDOUT, validationFrom: start + 80 * 600_000, holdoutFrom: start + 100 * 600_000 },
    inputRange: undefined,
    standardization: { mean: new Float32Array(FEATURE_COUNT), scale: new Float32Array(FEATURE_COUNT).fill(1) },
    encoding: undefined,
    layers: [LAYER],
    calibration: { kind: 'none' },
    members: [],
    positiveFactor: 1,
    negativeSampling: 1,
    baseline: { model: { intercept: 0, coefficients: new Float64Array(FEATURE_COUNT), iterations: 0 }, calibration: { kind: 'none' } },
    holdoutScores,
    baselineHoldoutScores: holdoutScores,
    trainingScores: Float64Array.from({ length: 80 }, (_, r) => 1 / (1 + Math.exp(-(r - 100) / 20))),
    seconds: { mlp: 0, baseline: 0, total: 0 },
  };
}

function output(version: string, extra: Partial<ModelOutput> = {}): ModelOutput {
  return { out: join(folder, version), version, name: 'hand-built model', dataSource: 'hand-built table', caveats: [], createdAt: '2025-06-01T00:00:00Z', overwrite: false, ...extra };
}

describe('the card of a written model', () => {
  it('chooses the threshold on the scores the service computes', async () => {
    // Feature 0 rises with the row, so the holdout's top scores are rows 199, 198, 197, 196, 195.
    // Seizures at 199, 197 and 150.
    const table = handTable((r) => (r - 100) / 20, [199, 197, 150]);
    const served = await onnxHoldoutScores(table);
    // The trainer's float64 probabilities: within the 1e-5 parity tolerance of onnxruntime's, but
    // above them (by 5e-6 here; by ~1e-8 in real runs), as rounding to float32 can leave them.
    const trainer = Float64Array.from(served, (s) => s + 5e-6);
    const written = await writeTrainedModel(handTrained(trainer, 0.01), table, output('served-threshold'));

    // 1 % of 100 holdout rows: row 199 alone, at its served score.
    const card = written.card;
    expect(card.decision).toEqual({ threshold: served[99], targetReferralRate: 0.01, achievedReferralRate: 0.01 });
    // No hidden layer (--layers none): the card does not claim a ReLU network.
    expect(card.modelDetails.architecture).toMatch(/^tfjs MLP 35-1 \(no hidden layer: logistic regression\), /);
    expect(card.modelDetails.architecture).not.toContain('ReLU');
    // Operating points by hand: 0.5 % allows half a row: nothing (no precision, no recall);
    // 1 %: {199} 1/1, recall 1/3; 2 %: {199, 198} 1/2, 1/3; 5 %: {199 … 195} 2/5, 2/3.
    expect(card.metrics.holdout.atReferralRates.map(({ referralRate, referred, precision, recall, threshold }) => ({ referralRate, referred, precision, recall, threshold }))).toEqual([
      { referralRate: 0.005, referred: 0, precision: null, recall: null, threshold: expect.any(Number) as number },
      { referralRate: 0.01, referred: 1, precision: 1, recall: 1 / 3, threshold: served[99] },
      { referralRate: 0.02, referred: 2, precision: 0.5, recall: 1 / 3, threshold: served[98] },
      { referralRate: 0.05, referred: 5, precision: 0.4, recall: 2 / 3, threshold: served[95] },
    ]);

    // Loaded and scored as the service does, the holdout refers exactly what the card says,
    // and the group table counts the same referral.
    const model = await loadModel(join(folder, 'served-threshold'));
    try {
      const scorer = createScorer({ session: model.session, card: model.card });
      const scores = await scorer.score(selectRows(table.features, FEATURE_COUNT, HOLDOUT), HOLDOUT.length);
      expect(Array.from(scores).filter((s) => s >= model.card.decision.threshold)).toHaveLength(1);
      for (const point of model.card.metrics.holdout.atReferralRates) {
        expect({ rate: point.referralRate, referred: Array.from(scores).filter((s) => s >= point.threshold).length }).toEqual({ rate: point.referralRate, referred: point.referred });
      }
    } finally {
      await model.session.release();
    }
    const sexGroups = card.quantitativeAnalyses.groups.filter((g) => g.attribute === 'sex');
    expect(sexGroups.reduce((sum, g) => sum + g.referred, 0)).toBe(1);
    expect(readFileSync(join(folder, 'served-threshold', 'card.md'), 'utf8')).toContain('it refers 1 % of holdout crossings (target 1 %).');
  }, 60_000);

  it('says at what rate an operating point was measured when ties make it refer less than its rate', async () => {
    // Holdout feature 0 rises in steps of three rows: rows 197–199 share the top score, 194–196 the next.
    // At 5 % (5 rows) the threshold refers the top three (3 %): a seizure at 199 gives precision 1/3.
    const table = handTable((r) => (r < 100 ? (r - 50) / 20 : Math.floor((r - 101) / 3) / 10), [199, 150]);
    const served = await onnxHoldoutScores(table);
    const written = await writeTrainedModel(handTrained(Float64Array.from(served), 0.05), table, output('tied-steps'));
    expect(written.card.metrics.holdout.atReferralRates.at(-1)).toMatchObject({ referralRate: 0.05, referred: 3, achievedReferralRate: 0.03 });
    const markdown = readFileSync(join(folder, 'tied-steps', 'card.md'), 'utf8');
    expect(markdown).toContain('| precision at 5 % referred | 0.3333 (at 3 %) | 0.3333 (at 3 %) |');
    // Nothing referred at 1 % (the top tie is 3 rows): shown as –, without a rate.
    expect(markdown).toContain('| precision at 1 % referred | – | – |');
    expect(comparisonTable(written.card.metrics.holdout, written.card.metrics.baseline)).toMatch(/precision at 5\.0 % +0\.3333 \(at 3 %\) +0\.3333 \(at 3 %\)/);
  }, 60_000);

  it('refuses a threshold that refers no holdout crossing unless allowed, and then says so on the card', async () => {
    // Every holdout row has feature 0 = 2: one tied score, so no rate below 100 % refers anything.
    const table = handTable((r) => (r < 100 ? (r - 50) / 20 : 2), [120, 170]);
    const served = await onnxHoldoutScores(table);
    const trained = handTrained(Float64Array.from(served), 0.01);

    const refused: unknown = await writeTrainedModel(trained, table, output('all-tied')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NoReferralsError);
    expect((refused as Error).message).toContain('refers none of the 100 holdout crossings (target 1 %): the 100 rows at the top score');
    // Not calibrated by isotonic steps: the advice does not blame them nor suggest Platt.
    expect((refused as Error).message).not.toContain('isotonic');
    expect((refused as Error).message).toContain('try a larger --target-referral-rate or more rows.');
    expect(existsSync(join(folder, 'all-tied'))).toBe(false);

    const written = await writeTrainedModel(trained, table, output('all-tied', { allowNoReferrals: true }));
    expect(written.card.decision.achievedReferralRate).toBe(0);
    expect(written.card.decision.threshold).toBeGreaterThan(served[0]!);
    for (const point of written.card.metrics.holdout.atReferralRates) expect(point).toMatchObject({ referred: 0, achievedReferralRate: 0, precision: null, recall: null });
    const markdown = readFileSync(join(folder, 'all-tied', 'card.md'), 'utf8');
    expect(markdown).toContain('it refers no holdout crossing (target 1 %): the top tied scores alone hold more than 1 % of them.');
    expect(markdown).toContain('| 1 % | 0 % | ');
    expect(markdown).toMatch(/\| 1 % \| 0 % \| [0-9.]+ \| 0 \| – \| – \|/);
    // The service's loader accepts the card (precision and recall null).
    const model = await loadModel(join(folder, 'all-tied'));
    await model.session.release();
  }, 60_000);
});
