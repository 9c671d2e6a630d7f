import { describe, expect, it } from 'vitest';
import { timeOrderedSplit } from '../../training/time-split.ts';

const HOUR = 3_600_000;

describe('timeOrderedSplit', () => {
  it('puts the latest rows in the holdout and the period before it in validation, whatever the row order', () => {
    // Rows arrive shuffled: instants 0..9 hours in the order 7, 2, 9, 0, 5, 1, 8, 3, 6, 4.
    const hours = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
    const split = timeOrderedSplit(hours.map((h) => h * HOUR), { holdoutFraction: 0.2, validationFraction: 0.2 });
    const instants = (rows: Uint32Array) => Array.from(rows, (r) => hours[r]);
    expect(instants(split.train)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(instants(split.validation)).toEqual([6, 7]);
    expect(instants(split.holdout)).toEqual([8, 9]);
    expect(split.validationFrom).toBe(6 * HOUR);
    expect(split.holdoutFrom).toBe(8 * HOUR);
  });

  it('never splits rows of the same instant across parts', () => {
    // 10 rows; the 80 % cut (position 8) falls inside the run of instant 5 (positions 6..8).
    const times = [0, 1, 2, 3, 4, 4, 5, 5, 5, 6].map((h) => h * HOUR);
    const split = timeOrderedSplit(times, { holdoutFraction: 0.2, validationFraction: 0.2 });
    expect(Array.from(split.holdout)).toEqual([6, 7, 8, 9]);
    expect(Array.from(split.validation)).toEqual([4, 5]);
    expect(Array.from(split.train)).toEqual([0, 1, 2, 3]);
    const latestTrain = Math.max(...Array.from(split.train, (r) => times[r]!));
    const earliestValidation = Math.min(...Array.from(split.validation, (r) => times[r]!));
    expect(latestTrain).toBeLessThan(earliestValidation);
  });

  it('takes explicit cut dates over fractions', () => {
    const times = Array.from({ length: 10 }, (_, i) => i * HOUR);
    const split = timeOrderedSplit(times, { holdoutFraction: 0.5, validationFraction: 0.1, validationFrom: 3 * HOUR, holdoutFrom: 9 * HOUR });
    expect(Array.from(split.train)).toEqual([0, 1, 2]);
    expect(split.validation.length).toBe(6);
    expect(Array.from(split.holdout)).toEqual([9]);
  });

  it('refuses splits that leave a part empty or fractions out of range, naming the problem', () => {
    const times = [0, 0, 0, 0, 1].map((h) => h * HOUR);
    expect(() => timeOrderedSplit(times, { holdoutFraction: 0.2, validationFraction: 0.2 })).toThrow(/leaves the train part empty/);
    expect(() => timeOrderedSplit([1, 2, 3], { holdoutFraction: 0, validationFraction: 0.2 })).toThrow(/holdoutFraction must be between 0 and 1/);
    expect(() => timeOrderedSplit([1, 2, 3], { holdoutFraction: 0.6, validationFraction: 0.4 })).toThrow(/must be below 1/);
    expect(() => timeOrderedSplit([1, Number.NaN], { holdoutFraction: 0.2, validationFraction: 0.2 })).toThrow(/row 1: timestamp/);
  });
});
