import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { loadModel, type LoadedModel } from '../../models/load-model.ts';
import { createScorer } from '../../models/scorer.ts';
import { goldenRowsSchema, type GoldenRows } from '../../training/golden-rows.ts';

/**
 * The shipped default model (models/default, rebuilt by `npm run train:default`): it loads through
 * the service's loader (card schema, sha256, feature spec hash, contract), its golden rows
 * re-score within their tolerance, and it stays small enough to commit.
 */

const DIR = fileURLToPath(new URL('../../models/default/', import.meta.url));
let model: LoadedModel;
let golden: GoldenRows;

beforeAll(async () => {
  model = await loadModel(DIR);
  golden = goldenRowsSchema.parse(JSON.parse(readFileSync(`${DIR}golden.json`, 'utf8')));
});
afterAll(async () => {
  await model?.session.release();
});

describe('models/default', () => {
  it('was trained on this build\'s feature spec', () => {
    expect(model.card.featureSpec.hash).toBe(FEATURE_SPEC_HASH);
    expect(golden.featureSpecHash).toBe(FEATURE_SPEC_HASH);
    expect(golden.modelVersion).toBe(model.card.modelDetails.version);
  });

  it('re-scores its golden rows within their tolerance', async () => {
    expect(golden.rows.length).toBeGreaterThanOrEqual(5);
    const scorer = createScorer({ session: model.session, card: model.card });
    const scores = await scorer.score(Float32Array.from(golden.rows.flatMap((r) => r.features)), golden.rows.length);
    golden.rows.forEach((row, i) => {
      expect({ row: i, difference: Math.abs(scores[i]! - row.probability) <= golden.tolerance }).toEqual({ row: i, difference: true });
    });
    // The rows span the scores: not all the same value.
    expect(new Set(golden.rows.map((r) => r.probability.toFixed(6))).size).toBeGreaterThan(3);
  });

  it('is small enough to commit and beats its logistic baseline on the holdout', () => {
    for (const file of ['model.onnx', 'card.json', 'card.md', 'golden.json']) expect(statSync(`${DIR}${file}`).size).toBeLessThan(200_000);
    const at = (e: { atReferralRates: { referralRate: number; precision: number | null }[] }) => e.atReferralRates.find((p) => p.referralRate === 0.01)!.precision ?? Number.NaN;
    expect(at(model.card.metrics.holdout)).toBeGreaterThan(at(model.card.metrics.baseline!));
    expect(model.card.decision.targetReferralRate).toBe(0.01);
  });
});
