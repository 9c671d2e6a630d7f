import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_SPEC_HASH, REASON_GROUPS } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { createModelSession } from '../../models/onnx-file.ts';
import { validateModelContract } from '../../models/model-contract.ts';
import { createContractScorer, createScorer, type Scorer } from '../../models/scorer.ts';
import { exportMlpToOnnx } from '../../training/onnx/export-mlp.ts';
import { referenceProbability } from '../training/mlp-reference.ts';
import { handBuiltModel, minimalCard, randomMlpSpec } from './model-fixtures.ts';

const sessions: InferenceSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});
async function sessionOf(bytes: Uint8Array): Promise<InferenceSession> {
  const session = await createModelSession(bytes);
  sessions.push(session);
  return session;
}

const random = createRandom(77);
const spec = randomMlpSpec(random, { kind: 'isotonic', x: [-3, -1, 0, 1, 3], y: [0.01, 0.05, 0.2, 0.5, 0.95] });
const occlusionBatch = 1 + REASON_GROUPS.length;
const rowsOf = (count: number): Float32Array => Float32Array.from({ length: count * FEATURE_COUNT }, () => random.normal() * 2);
const expectedFor = (rows: Float32Array, count: number): number[] =>
  Array.from({ length: count }, (_, r) => referenceProbability(spec, rows.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT)));

describe('createScorer on an exported MLP', () => {
  let scorer: Scorer;
  beforeAll(async () => {
    scorer = createScorer({ session: await sessionOf(exportMlpToOnnx(spec)), card: minimalCard({ version: 'mlp-7' }) });
  });

  it('names the version and width from the card', () => {
    expect(scorer.version).toBe('mlp-7');
    expect(scorer.width).toBe(FEATURE_COUNT);
  });

  it(`scores 1 row and ${occlusionBatch} rows (a row and its occlusions) as the reference does`, async () => {
    for (const count of [1, occlusionBatch]) {
      const rows = rowsOf(count);
      const scores = await scorer.score(rows, count);
      expect(scores).toBeInstanceOf(Float32Array);
      expect(scores).toHaveLength(count);
      expectedFor(rows, count).forEach((p, i) => expect(Math.abs(scores[i]! - p)).toBeLessThanOrEqual(1e-6));
    }
  });

  it('reads only the first count rows of a larger scratch buffer', async () => {
    const rows = rowsOf(40);
    const scores = await scorer.score(rows, 3);
    expect(scores).toHaveLength(3);
    expectedFor(rows, 3).forEach((p, i) => expect(Math.abs(scores[i]! - p)).toBeLessThanOrEqual(1e-6));
  });

  it('keeps concurrent calls apart', async () => {
    const batches = Array.from({ length: 24 }, (_, i) => ({ count: 1 + (i % 5) * 6, rows: rowsOf(1 + (i % 5) * 6) }));
    const results = await Promise.all(batches.map((b) => scorer.score(b.rows, b.count)));
    batches.forEach((b, i) => {
      expectedFor(b.rows, b.count).forEach((p, r) => expect(Math.abs(results[i]![r]! - p)).toBeLessThanOrEqual(1e-6));
    });
  });

  it('refuses a count that is not a positive whole number, or more rows than the buffer holds', async () => {
    await expect(scorer.score(rowsOf(1), 0)).rejects.toThrow('count is 0, it must be a whole number of rows above 0');
    await expect(scorer.score(rowsOf(1), 1.5)).rejects.toThrow('count is 1.5, it must be a whole number of rows above 0');
    await expect(scorer.score(rowsOf(2), 3)).rejects.toThrow(`rows has ${2 * FEATURE_COUNT} values, 3 rows of width ${FEATURE_COUNT} need ${3 * FEATURE_COUNT}`);
  });
});

describe('createContractScorer: scoring before a card exists (model:check)', () => {
  it('scores with the contract validateModelContract returned', async () => {
    const session = await sessionOf(exportMlpToOnnx(spec));
    const contract = await validateModelContract(session, { expectedWidth: FEATURE_COUNT, expectedSpecHash: FEATURE_SPEC_HASH });
    const scorer = createContractScorer({ session, contract, version: 'candidate' });
    const rows = rowsOf(5);
    const scores = await scorer.score(rows, 5);
    expect(scorer.version).toBe('candidate');
    expectedFor(rows, 5).forEach((p, i) => expect(Math.abs(scores[i]! - p)).toBeLessThanOrEqual(1e-6));
  });
});

describe('createScorer on other output forms', () => {
  it('[N] output: the values as they are', async () => {
    const scorer = createScorer({ session: await sessionOf(handBuiltModel({ vector: true, bias: 1 })), card: minimalCard() });
    const scores = await scorer.score(rowsOf(4), 4);
    expect(Array.from(scores)).toEqual(new Array<number>(4).fill(Math.fround(1 / (1 + Math.exp(-1)))));
  });

  it('[N, 2] output: column 1', async () => {
    // Gemm with bias (b₀, b₁) = (2, −1): sigmoid gives (σ(2), σ(−1)) per row; column 1 is σ(−1).
    const session = await sessionOf(handBuiltModel({ units: 2, outputName: 'probabilities', bias: [2, -1] }));
    const scorer = createScorer({ session, card: minimalCard({ outputName: 'probabilities' }) });
    const scores = await scorer.score(rowsOf(3), 3);
    expect(scores).toHaveLength(3);
    scores.forEach((p) => expect(p).toBeCloseTo(1 / (1 + Math.exp(1)), 6));
  });
});
