import { describe, expect, test } from 'vitest';
// @ts-expect-error: a browser module in plain JavaScript, without type declarations
import { percentTick } from '../../service/dashboard/static/lib/format.js';
// @ts-expect-error: a browser module in plain JavaScript, without type declarations
import { niceTicks, ticksCovering } from '../../service/dashboard/static/lib/svg-chart.js';

describe('value axes of the grouped bar charts (score distribution, drift distribution)', () => {
  test('the last tick covers the largest value, so no bar is drawn past the top of the axis', () => {
    // Shares of the score distribution up to 10.7 %, with 5 % headroom: round ticks stop at 10 %,
    // below the tallest bars.
    const max = 0.1072;
    expect((niceTicks(0, max * 1.05) as number[]).at(-1)).toBeLessThan(max);
    expect(ticksCovering(0, max, max * 1.05)).toEqual([0, 0.025, 0.05, 0.075, 0.1, 0.125]);
  });

  test('a maximum on a round tick adds no tick for the headroom (a share of 100 % ends the axis at 100 %)', () => {
    expect(ticksCovering(0, 1, 1.05)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  test('tick labels show the tick exactly: 2.5 % is not rounded to 3 %', () => {
    expect([0, 0.025, 0.05, 0.075, 0.1, 0.125].map(percentTick)).toEqual(['0 %', '2.5 %', '5 %', '7.5 %', '10 %', '12.5 %']);
    expect([0.0025, 1].map(percentTick)).toEqual(['0.25 %', '100 %']);
    expect(percentTick(0.10721)).toBe('10.7 %');
  });
});
