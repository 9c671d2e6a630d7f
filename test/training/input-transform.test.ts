import { describe, expect, it } from 'vitest';
import { clipInputs, fitInputRange, transformInputs } from '../../training/standardize.ts';

describe('transformInputs', () => {
  it('signed-log1p: sign(x)·ln(1 + |x|), worked by hand, in float32', () => {
    const x = Float32Array.from([0, 1, -1, Math.E - 1, 9, -99, 700, 0.5]);
    const y = transformInputs(x, 'signed-log1p');
    const expected = [0, Math.LN2, -Math.LN2, 1, Math.log(10), -Math.log(100), Math.log(701), Math.log(1.5)];
    expected.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
    expect(y).toBeInstanceOf(Float32Array);
    expect(x[6]).toBe(700); // the input is not modified
  });

  it('is monotone, so a ranking by any single feature is kept', () => {
    const x = Float32Array.from({ length: 2001 }, (_, i) => (i - 1000) * 0.37);
    const y = transformInputs(x, 'signed-log1p');
    for (let i = 1; i < y.length; i++) expect(y[i]!).toBeGreaterThan(y[i - 1]!);
  });

  it('none returns the features unchanged', () => {
    const x = Float32Array.from([3, -2, 0]);
    expect(transformInputs(x, 'none')).toBe(x);
  });
});

describe('fitInputRange and clipInputs', () => {
  // 3 features × 4 rows; rows 0–2 are the training part, row 3 comes later and leaves the range.
  const matrix = Float32Array.from([
    [1, -5, 0],
    [4, 2, 0],
    [2, -1, 0],
    [9, -8, 0.5],
  ].flat());

  it('takes each feature\'s minimum and maximum over the listed rows only', () => {
    const range = fitInputRange(matrix, 3, [0, 1, 2]);
    expect(Array.from(range.lower)).toEqual([1, -5, 0]);
    expect(Array.from(range.upper)).toEqual([4, 2, 0]);
  });

  it('clips values outside the range to its ends and leaves values inside alone', () => {
    const clipped = clipInputs(matrix, fitInputRange(matrix, 3, [0, 1, 2]));
    expect(Array.from(clipped)).toEqual([1, -5, 0, 4, 2, 0, 2, -1, 0, 4, -5, 0]);
    expect(matrix[9]).toBe(9); // the input is not modified
  });

  it('without a range returns the features unchanged', () => {
    expect(clipInputs(matrix, undefined)).toBe(matrix);
  });

  it('refuses an empty training part', () => {
    expect(() => fitInputRange(matrix, 3, [])).toThrow('at least one row');
  });
});
