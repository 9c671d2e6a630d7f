import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_INDEX } from '../../features/feature-spec.ts';
import { loadModel, type LoadedModel } from '../../models/load-model.ts';
import { createModelSession } from '../../models/onnx-file.ts';
import { createScorer } from '../../models/scorer.ts';
import { buildTreeEnsembleClassifier, type TreeNode } from '../../training/onnx/tree-ensemble.ts';
import { writeModelFolder } from '../models/model-fixtures.ts';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const seizures = FEATURE_INDEX.vehiclePriorSeizures;
const crossings24h = FEATURE_INDEX.vehicleCrossings24h;
const sentri = FEATURE_INDEX.laneSentri;

/**
 * Boosted trees, hand-checkable:
 *   tree 0: prior seizures ≤ 0.5 ? (crossings 24h ≤ 3 ? −1.5 : 0.5) : 2
 *   tree 1: SENTRI lane ≤ 0.5 ? 0.3 : −1
 *   base margin −2, p = σ(−2 + tree 0 + tree 1)
 */
const boosted: readonly TreeNode[] = [
  {
    feature: seizures,
    threshold: 0.5,
    ifTrue: { feature: crossings24h, threshold: 3, ifTrue: { leaf: -1.5 }, ifFalse: { leaf: 0.5 } },
    ifFalse: { leaf: 2 },
  },
  { feature: sentri, threshold: 0.5, ifTrue: { leaf: 0.3 }, ifFalse: { leaf: -1 } },
];

function row(values: Partial<Record<'seizures' | 'crossings24h' | 'sentri', number>>): number[] {
  const out = new Array<number>(FEATURE_COUNT).fill(0);
  out[seizures] = values.seizures ?? 0;
  out[crossings24h] = values.crossings24h ?? 0;
  out[sentri] = values.sentri ?? 0;
  return out;
}

const rows = [
  row({}), // −2 − 1.5 + 0.3
  row({ crossings24h: 3 }), // at the threshold, ≤ holds: same as above
  row({ crossings24h: 4 }), // −2 + 0.5 + 0.3
  row({ seizures: 1, sentri: 1 }), // −2 + 2 − 1
  row({ seizures: 2, crossings24h: 9 }), // −2 + 2 + 0.3
];
const expected = [sigmoid(-3.2), sigmoid(-3.2), sigmoid(-1.2), sigmoid(-1), sigmoid(0.3)];
const flat = Float32Array.from(rows.flat());

describe('TreeEnsembleClassifier as converters write it', () => {
  const sessions: InferenceSession[] = [];
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.release()));
  });
  async function run(bytes: Uint8Array, input: Float32Array, count: number): Promise<{ label: number[]; probabilities: number[] }> {
    const session = await createModelSession(bytes);
    sessions.push(session);
    const result = await session.run({ features: new Tensor('float32', input, [count, FEATURE_COUNT]) });
    expect(result.label!.type).toBe('int64');
    expect(result.label!.dims).toEqual([count]);
    expect(result.probabilities!.dims).toEqual([count, 2]);
    return { label: Array.from(result.label!.data as BigInt64Array, Number), probabilities: Array.from(result.probabilities!.data as Float32Array) };
  }

  it('boosted (margin + LOGISTIC): probabilities [1 − p, p] with p = σ(base + Σ leaves), label p > 0.5', async () => {
    const { label, probabilities } = await run(buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees: boosted, aggregation: 'margin', baseValue: -2 }), flat, rows.length);
    expected.forEach((p, i) => {
      expect(probabilities[2 * i + 1]).toBeCloseTo(p, 6);
      expect(probabilities[2 * i]).toBeCloseTo(1 - p, 6);
    });
    expect(label).toEqual([0, 0, 0, 0, 1]);
  });

  it('forest (vote, NONE): p = mean of the trees’ class-1 shares', async () => {
    const trees: TreeNode[] = [
      { feature: seizures, threshold: 0.5, ifTrue: { leaf: 0.2 }, ifFalse: { leaf: 0.9 } },
      { feature: sentri, threshold: 0.5, ifTrue: { leaf: 0.6 }, ifFalse: { leaf: 0.1 } },
    ];
    const { label, probabilities } = await run(buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees, aggregation: 'vote' }), flat, rows.length);
    // rows: (.2+.6)/2, same, same, (.9+.1)/2, (.9+.6)/2
    [0.4, 0.4, 0.4, 0.5, 0.75].forEach((p, i) => expect(probabilities[2 * i + 1]).toBeCloseTo(p, 6));
    expect(label[4]).toBe(1);
  });

  it('BRANCH_LT sends a value equal to the threshold to the false branch, and NaN follows missingGoesTrue', async () => {
    const trees: TreeNode[] = [
      { feature: crossings24h, threshold: 3, mode: 'BRANCH_LT', ifTrue: { leaf: -1 }, ifFalse: { leaf: 1 }, missingGoesTrue: true },
    ];
    const input = Float32Array.from([...row({ crossings24h: 3 }), ...row({ crossings24h: Number.NaN }), ...row({ crossings24h: 2 })]);
    const { probabilities } = await run(buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees, aggregation: 'margin' }), input, 3);
    expect(probabilities[1]).toBeCloseTo(sigmoid(1), 6);
    expect(probabilities[3]).toBeCloseTo(sigmoid(-1), 6);
    expect(probabilities[5]).toBeCloseTo(sigmoid(-1), 6);
  });

  it('refuses a split on a feature outside the input', () => {
    expect(() => buildTreeEnsembleClassifier({ featureCount: 3, trees: [{ feature: 3, threshold: 0, ifTrue: { leaf: 0 }, ifFalse: { leaf: 1 } }], aggregation: 'margin' })).toThrow(
      'trees[0].feature is 3, features are 0 … 2',
    );
  });
});

describe('an external tree model through the registry loader and the scorer', () => {
  let dir: string;
  let loaded: LoadedModel;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onnx-trees-'));
    await writeModelFolder(join(dir, 'xgb-1'), buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, trees: boosted, aggregation: 'margin', baseValue: -2 }), {
      outputName: 'probabilities',
      version: 'xgb-1',
    });
    loaded = await loadModel(join(dir, 'xgb-1'));
  });
  afterAll(async () => {
    await loaded.session.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads with column 1 of probabilities as the score', async () => {
    expect(loaded.contract).toEqual({ inputName: 'features', outputName: 'probabilities', width: FEATURE_COUNT, outputForm: 'twoClass' });
    const scorer = createScorer({ session: loaded.session, card: loaded.card });
    const scores = await scorer.score(flat, rows.length);
    expect(scores).toHaveLength(rows.length);
    expected.forEach((p, i) => expect(scores[i]).toBeCloseTo(p, 6));
  });
});
