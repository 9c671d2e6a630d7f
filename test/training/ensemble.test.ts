import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { mergeEnsemble } from '../../training/ensemble.ts';
import { mlpLogits, type DenseLayer } from '../../training/mlp.ts';
import { loadTensorflow } from '../../training/tensorflow.ts';

function randomNetwork(sizes: readonly number[], seed: number): DenseLayer[] {
  const random = createRandom(seed);
  return sizes.slice(1).map((outputSize, i) => ({
    inputSize: sizes[i]!,
    outputSize,
    weights: Float32Array.from({ length: sizes[i]! * outputSize }, () => random.normal()),
    bias: Float32Array.from({ length: outputSize }, () => random.normal()),
    activation: i === sizes.length - 2 ? 'linear' : 'relu',
  }));
}

describe('mergeEnsemble', () => {
  it('gives one network whose logit is the mean of the members\' logits', async () => {
    const { tf } = await loadTensorflow();
    const members = [1, 2, 3].map((seed) => randomNetwork([5, 4, 3, 1], seed));
    const merged = mergeEnsemble(members);
    expect(merged.map((l) => [l.inputSize, l.outputSize])).toEqual([[5, 12], [12, 9], [9, 1]]);
    const random = createRandom(4);
    const x = Float32Array.from({ length: 50 * 5 }, () => random.normal());
    const expected = members.map((m) => mlpLogits(tf, m, x));
    const actual = mlpLogits(tf, merged, x);
    for (let i = 0; i < 50; i++) {
      expect(actual[i]).toBeCloseTo((expected[0]![i]! + expected[1]![i]! + expected[2]![i]!) / 3, 4);
    }
  });

  it('averages logistic members directly and returns a single member unchanged', () => {
    const a = randomNetwork([3, 1], 1);
    const b = randomNetwork([3, 1], 2);
    const merged = mergeEnsemble([a, b]);
    expect(Array.from(merged[0]!.weights)).toEqual(Array.from(a[0]!.weights, (w, i) => Math.fround((w + b[0]!.weights[i]!) / 2)));
    expect(mergeEnsemble([a])).toEqual(a);
  });

  it('refuses members of different shapes', () => {
    expect(() => mergeEnsemble([randomNetwork([3, 2, 1], 1), randomNetwork([3, 4, 1], 2)])).toThrow(/member 1 has another shape/);
  });
});
