import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FEATURE_COUNT, FEATURE_INDEX, REASON_GROUPS, type ReasonGroup } from '../../../features/feature-spec.ts';
import { loadModel, type LoadedModel } from '../../../models/load-model.ts';
import { createScorer, type Scorer } from '../../../models/scorer.ts';
import { occlusionRows, reasonsFromScores } from '../../../service/scoring/explain.ts';
import { referenceScore, testBaseline, TEST_WEIGHTS, writeTestModel } from '../helpers/test-model.ts';

/** A crossing's vector with some history: two earlier referrals, one seizure, a general lane at 02:00. */
function sampleVector(): Float32Array {
  const x = new Float32Array(FEATURE_COUNT);
  x[FEATURE_INDEX.vehiclePriorReferrals] = 2;
  x[FEATURE_INDEX.vehiclePriorSeizures] = 1;
  x[FEATURE_INDEX.vehicleCrossings24h] = 3;
  x[FEATURE_INDEX.trustedTravelerShare] = 0.5;
  x[FEATURE_INDEX.occupantCount] = 2;
  x[FEATURE_INDEX.laneGeneral] = 1;
  x[FEATURE_INDEX.hourOfDaySin] = Math.sin((2 * Math.PI * 2) / 24);
  x[FEATURE_INDEX.hourOfDayCos] = Math.cos((2 * Math.PI * 2) / 24);
  x[FEATURE_INDEX.vehicleDaysSinceLastCrossing] = 0.5;
  return x;
}

describe('occlusionRows', () => {
  test('row 0 is the crossing; row 1 + g has only group g set to the baseline', () => {
    const x = sampleVector();
    const baseline = testBaseline();
    const rows = occlusionRows(x, baseline, REASON_GROUPS);
    expect(rows.length).toBe((1 + REASON_GROUPS.length) * FEATURE_COUNT);
    expect(Array.from(rows.subarray(0, FEATURE_COUNT))).toEqual(Array.from(x));
    REASON_GROUPS.forEach((group, g) => {
      const row = rows.subarray((1 + g) * FEATURE_COUNT, (2 + g) * FEATURE_COUNT);
      const columns = new Set(group.features.map((name) => FEATURE_INDEX[name]));
      for (let j = 0; j < FEATURE_COUNT; j++) {
        expect(row[j]).toBe(columns.has(j) ? Math.fround(baseline[j]!) : x[j]);
      }
    });
  });

  test('refuses vectors and baselines of the wrong width', () => {
    expect(() => occlusionRows(new Float32Array(3), testBaseline(), REASON_GROUPS)).toThrow(/features has 3 values/);
    expect(() => occlusionRows(sampleVector(), [1, 2], REASON_GROUPS)).toThrow(/baseline has 2 values/);
  });
});

describe('reasonsFromScores', () => {
  const groups: ReasonGroup[] = ['vehiclePriorReferrals', 'vehiclePriorSeizures', 'vehicleCrossings24h', 'trustedTravelerShare', 'occupantCount']
    .map((name) => REASON_GROUPS.find((g) => g.name === name)!);

  test('for a referral: the groups that raise the score most, strongest first, with value and sentence', () => {
    // score 0.5; occluded scores → contributions 0.1, 0.3, -0.05, 0.2, 0.
    const reasons = reasonsFromScores(sampleVector(), [0.5, 0.4, 0.2, 0.55, 0.3, 0.5], groups, 'refer');
    expect(reasons.map((r) => r.feature)).toEqual(['vehiclePriorSeizures', 'trustedTravelerShare', 'vehiclePriorReferrals']);
    expect(reasons[0]!.contribution).toBeCloseTo(0.3, 12);
    expect(reasons[0]).toMatchObject({ value: 1, sentence: '1 earlier seizure from this vehicle' });
    expect(reasons[2]).toMatchObject({ value: 2, sentence: '2 earlier referrals of this vehicle to secondary inspection' });
  });

  test('for a release: the groups that lower it most; groups pushing the other way are not reasons', () => {
    const reasons = reasonsFromScores(sampleVector(), [0.5, 0.4, 0.2, 0.55, 0.3, 0.5], groups, 'release');
    expect(reasons.map((r) => [r.feature, Number(r.contribution.toFixed(6))])).toEqual([['vehicleCrossings24h', -0.05]]);
  });

  test('refuses a score list that does not match the groups', () => {
    expect(() => reasonsFromScores(sampleVector(), [0.5], groups, 'refer')).toThrow(/expected 6 scores/);
  });
});

describe('occlusion on the real ONNX model', () => {
  let dir: string;
  let model: LoadedModel;
  let scorer: Scorer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'explain-'));
    model = await loadModel(await writeTestModel(dir));
    scorer = createScorer({ session: model.session, card: model.card });
  });
  afterAll(async () => {
    await model.session.release();
    await rm(dir, { recursive: true, force: true });
  });

  test('the batched run gives the model score, and each contribution is score minus that occluded row scored alone', async () => {
    const x = sampleVector();
    const baseline = testBaseline();
    const rows = occlusionRows(x, baseline, REASON_GROUPS);
    const scores = await scorer.score(rows, 1 + REASON_GROUPS.length);
    expect(scores[0]).toBeCloseTo(referenceScore(x), 6);

    const reasons = reasonsFromScores(x, scores, REASON_GROUPS, 'refer', REASON_GROUPS.length);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      const g = REASON_GROUPS.findIndex((group) => group.name === reason.feature);
      const alone = await scorer.score(rows.slice((1 + g) * FEATURE_COUNT, (2 + g) * FEATURE_COUNT), 1);
      expect(reason.contribution).toBeCloseTo(scores[0]! - alone[0]!, 6);
    }
  });

  test('for the logistic model a single feature contributes σ(z) − σ(z − w (x − baseline)), computed by hand', async () => {
    const x = sampleVector();
    const scores = await scorer.score(occlusionRows(x, testBaseline(), REASON_GROUPS), 1 + REASON_GROUPS.length);
    const reasons = reasonsFromScores(x, scores, REASON_GROUPS, 'refer', REASON_GROUPS.length);
    const seizures = reasons.find((r) => r.feature === 'vehiclePriorSeizures')!;
    const occluded = Float32Array.from(x);
    occluded[FEATURE_INDEX.vehiclePriorSeizures] = 0;
    expect(seizures.contribution).toBeCloseTo(referenceScore(x) - referenceScore(occluded), 6);
    // Occluding a term w·(x − b) from the same z: the larger the term, the larger the drop. Two
    // referrals (0.9 × 2 = 1.8) outweigh one seizure (1.6 × 1), which outweighs three crossings in 24 h (0.5 × 3).
    expect(TEST_WEIGHTS.vehiclePriorReferrals! * 2).toBeGreaterThan(TEST_WEIGHTS.vehiclePriorSeizures! * 1);
    expect(reasons[0]!.feature).toBe('vehiclePriorReferrals');
    expect(reasons[1]!.feature).toBe('vehiclePriorSeizures');
  });
});
