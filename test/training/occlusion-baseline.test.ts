import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_INDEX as I, REASON_GROUPS, cyclicPosition } from '../../features/feature-spec.ts';
import { occlusionBaseline } from '../../training/occlusion-baseline.ts';

/** Rows with a lane, a local time in minutes and a weekday (Sunday 0), encoded as extract.ts does. */
function rows(spec: readonly { lane: 'laneGeneral' | 'laneReady' | 'laneSentri'; minutes: number; weekday: number; weight: number; age: number }[]) {
  const matrix = new Float32Array(spec.length * FEATURE_COUNT);
  spec.forEach((row, r) => {
    const at = (column: number, value: number) => (matrix[r * FEATURE_COUNT + column] = value);
    at(I[row.lane], 1);
    at(I.hourOfDaySin, Math.sin((2 * Math.PI * row.minutes) / 1440));
    at(I.hourOfDayCos, Math.cos((2 * Math.PI * row.minutes) / 1440));
    at(I.dayOfWeekSin, Math.sin((2 * Math.PI * row.weekday) / 7));
    at(I.dayOfWeekCos, Math.cos((2 * Math.PI * row.weekday) / 7));
    at(I.vehicleAgeYears, row.age);
  });
  return { matrix, rows: spec.map((_, r) => r), weights: spec.map((row) => row.weight) };
}

describe('occlusionBaseline', () => {
  // Four crossings of equal weight, no category or time holding half of them: taken one feature at a
  // time, the medians are every lane flag 0, the clock's centre (sin 0, cos 0) and a weekday inside
  // the circle (sin 0, cos 0.22): no crossing the model could see.
  const data = rows([
    { lane: 'laneGeneral', minutes: 6 * 60, weekday: 1, weight: 1, age: 9 },
    { lane: 'laneGeneral', minutes: 12 * 60, weekday: 3, weight: 1, age: 2 },
    { lane: 'laneReady', minutes: 18 * 60, weekday: 5, weight: 1, age: 4 },
    { lane: 'laneSentri', minutes: 0, weekday: 0, weight: 1, age: 7 },
  ]);
  const baseline = occlusionBaseline(data.matrix, FEATURE_COUNT, data.rows, data.weights, REASON_GROUPS);

  it('takes the median of an ordinary feature', () => {
    expect(baseline[I.vehicleAgeYears]).toBe(4); // the lower median of 2, 4, 7, 9
  });

  it('occludes a one-hot group with its most common category', () => {
    expect([baseline[I.laneGeneral], baseline[I.laneReady], baseline[I.laneSentri], baseline[I.laneNexus]]).toEqual([1, 0, 0, 0]);
  });

  it('occludes a (sin, cos) pair with its circular median, a point on the clock', () => {
    // Hours 6, 12, 18 and 0: every one of them is 1,440 weighted minutes of arc from the others; ties go to the first, 00:00.
    expect(Math.round(cyclicPosition(baseline[I.hourOfDaySin]!, baseline[I.hourOfDayCos]!, 1440))).toBe(0);
    expect(Math.hypot(baseline[I.hourOfDaySin]!, baseline[I.hourOfDayCos]!)).toBeCloseTo(1, 6);
    // Weekdays 1, 3, 5 and 0: arc distance in days 6 from Sunday and from Monday, 7 or 8 from the others.
    expect(Math.round(cyclicPosition(baseline[I.dayOfWeekSin]!, baseline[I.dayOfWeekCos]!, 7))).toBe(0);
    expect(Math.hypot(baseline[I.dayOfWeekSin]!, baseline[I.dayOfWeekCos]!)).toBeCloseTo(1, 6);
  });

  it('counts rows by weight', () => {
    const weighted = rows([
      { lane: 'laneGeneral', minutes: 60, weekday: 0, weight: 1, age: 2 },
      { lane: 'laneReady', minutes: 23 * 60, weekday: 6, weight: 3, age: 9 },
      { lane: 'laneSentri', minutes: 12 * 60, weekday: 1, weight: 1, age: 4 },
    ]);
    const b = occlusionBaseline(weighted.matrix, FEATURE_COUNT, weighted.rows, weighted.weights, REASON_GROUPS);
    expect([b[I.laneGeneral], b[I.laneReady]]).toEqual([0, 1]);
    // At 23:00: 0·3 + 120 + 660 = 780 weighted minutes; at 01:00: 360 + 0 + 660 = 1,020.
    expect(Math.round(cyclicPosition(b[I.hourOfDaySin]!, b[I.hourOfDayCos]!, 1440))).toBe(23 * 60);
  });
});
