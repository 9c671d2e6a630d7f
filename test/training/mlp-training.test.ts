import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { epochRows, mlpLogits, trainMlp } from '../../training/mlp.ts';
import { loadTensorflow } from '../../training/tensorflow.ts';

describe('epochRows (negative sampling)', () => {
  const labels = Uint8Array.from({ length: 10_000 }, (_, i) => (i % 100 === 0 ? 1 : 0));

  it('visits every row once when the share is 1, in a seeded order', () => {
    const a = epochRows(labels, 1, createRandom(3));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: labels.length }, (_, i) => i));
    expect(Array.from(epochRows(labels, 1, createRandom(3)))).toEqual(Array.from(a));
    expect(Array.from(epochRows(labels, 1, createRandom(4)))).not.toEqual(Array.from(a));
  });

  it('keeps every positive and about the given share of negatives, fresh each epoch', () => {
    const random = createRandom(5);
    const first = epochRows(labels, 0.25, random);
    const second = epochRows(labels, 0.25, random);
    for (const epoch of [first, second]) {
      const positives = Array.from(epoch).filter((i) => labels[i] === 1).length;
      expect(positives).toBe(100);
      // 9 900 negatives × 0.25 = 2 475; the binomial standard deviation is about 43.
      expect(epoch.length - positives).toBeGreaterThan(2475 - 200);
      expect(epoch.length - positives).toBeLessThan(2475 + 200);
    }
    expect(new Set(first).size).toBe(first.length);
    expect(Array.from(first).sort()).not.toEqual(Array.from(second).sort());
  });

  it('passes over every row the share times on average when the share is above 1 (a small set under auto)', () => {
    const small = Uint8Array.from({ length: 1000 }, (_, i) => (i % 100 === 0 ? 1 : 0));
    const epoch = epochRows(small, 2.5, createRandom(6));
    const visits = new Map<number, number>();
    for (const i of epoch) visits.set(i, (visits.get(i) ?? 0) + 1);
    // Every row 2 or 3 times: its whole part, and once more with probability 0.5.
    expect(visits.size).toBe(1000);
    for (const count of visits.values()) expect([2, 3]).toContain(count);
    // 1 000 × 2.5 = 2 500; the binomial standard deviation of the extra visits is about 16.
    expect(epoch.length).toBeGreaterThan(2500 - 80);
    expect(epoch.length).toBeLessThan(2500 + 80);
    expect(Array.from(epochRows(small, 2, createRandom(6))).length).toBe(2000);
  });

  it('refuses a share that is not a positive number', () => {
    expect(() => epochRows(labels, 0, createRandom(1))).toThrow(/negativeSampling must be a positive number, got 0/);
    expect(() => epochRows(labels, Number.POSITIVE_INFINITY, createRandom(1))).toThrow(/negativeSampling must be a positive number/);
  });
});

describe('trainMlp', () => {
  it('fits a separable problem, keeps the best epoch and stops early when validation stops improving', async () => {
    const { tf } = await loadTensorflow();
    const random = createRandom(9);
    const n = 2000;
    const x = new Float32Array(n * 2);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = random.normal();
      x[2 * i + 1] = random.normal();
      labels[i] = x[2 * i]! + x[2 * i + 1]! > 0 ? 1 : 0;
    }
    const scores: number[] = [];
    const trained = await trainMlp({
      tf,
      width: 2,
      train: { x, labels, weights: new Float32Array(n).fill(1) },
      validationX: x,
      // A validation score that peaks at epoch 3, whatever the network does.
      validationScore: () => [0.1, 0.5, 0.9, 0.4, 0.3, 0.2, 0.1][scores.push(0) - 1] ?? 0,
      options: { hiddenLayers: [4], maxEpochs: 20, batchSize: 64, learningRate: 0.05, patience: 2, l2: 0, weightAveraging: 0, negativeSampling: 1 },
      random,
    });
    expect(trained.bestEpoch).toBe(3);
    expect(trained.epochs).toHaveLength(5);
    expect(trained.stoppedEarly).toBe(true);
    const logits = mlpLogits(tf, trained.layers, x);
    let correct = 0;
    for (let i = 0; i < n; i++) if ((logits[i]! > 0 ? 1 : 0) === labels[i]) correct++;
    expect(correct / n).toBeGreaterThan(0.95);
  }, 60_000);
});
