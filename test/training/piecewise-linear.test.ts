import { describe, expect, it } from 'vitest';
import { encodedWidth, encodeInputs, encodingTensors, fitPiecewiseLinearEncoding, type PiecewiseLinearEncoding } from '../../training/piecewise-linear.ts';
import { loadTensorflow } from '../../training/tensorflow.ts';

const { tf } = await loadTensorflow();

/** The encoding of one row by tfjs (encodeInputs, as the network sees it), plus 0.5 to compare with enc by hand. */
function encode(encoding: PiecewiseLinearEncoding, row: readonly number[]): number[] {
  return tf.tidy(() => {
    const tensors = encodingTensors(tf, encoding);
    return Array.from(encodeInputs(tf, tf.tensor2d([[...row]]), tensors).dataSync(), (v) => v + 0.5);
  });
}

describe('fitPiecewiseLinearEncoding', () => {
  // Three features over five rows: 0..4 (five distinct values), binary, constant.
  const rows = [
    [0, 0, 7],
    [1, 0, 7],
    [2, 1, 7],
    [3, 1, 7],
    [4, 1, 7],
  ];
  const x = Float32Array.from(rows.flat());

  it('cuts each feature at its training quantiles: one column per bin, merged where edges coincide', () => {
    const layer = fitPiecewiseLinearEncoding(x, 3, 4);
    // Feature 0: edges 0, 1, 2, 3, 4 → 4 columns; feature 1: edges 0, 1 → 1 column; feature 2: 1 column, always 0.
    expect(layer.inputSize).toBe(3);
    expect(encodedWidth(layer)).toBe(6);
    expect(Array.from(layer.feature)).toEqual([0, 0, 0, 0, 1, 2]);
    // By hand: 2.5 is past the bins [0,1) and [1,2), halfway through [2,3), before [3,4).
    // The constant feature's column is always 0 (−0.5 centred).
    expect(encode(layer, [2.5, 1, 7])).toEqual([1, 1, 0.5, 0, 1, 0]);
    expect(encode(layer, [0, 0, 7])).toEqual([0, 0, 0, 0, 0, 0]);
    expect(encode(layer, [4, 1, 7])).toEqual([1, 1, 1, 1, 1, 0]);
    // Outside the training range it saturates.
    expect(encode(layer, [-3, -1, 0])).toEqual([0, 0, 0, 0, 0, 0]);
    expect(encode(layer, [9, 2, 99])).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('refuses a bin count that is not a whole number of at least 1', () => {
    expect(() => fitPiecewiseLinearEncoding(x, 3, 0)).toThrow('bins must be a whole number of at least 1, got 0');
  });

  it('uses fewer bins than asked when the quantiles repeat', () => {
    const layer = fitPiecewiseLinearEncoding(x, 3, 2);
    // Feature 0: quantiles 0, 2, 4 → 2 columns.
    expect(encodedWidth(layer)).toBe(2 + 1 + 1);
    expect(encode(layer, [1, 0, 7]).slice(0, 2)).toEqual([0.5, 0]);
    expect(encode(layer, [3, 0, 7]).slice(0, 2)).toEqual([1, 0.5]);
  });
});
