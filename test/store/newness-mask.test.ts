import { describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { MASK_BITS, RecentValues, appendMask, distinctAmongLatest, masksOf } from '../../store/sqlite/newness-mask.ts';

/** Distinct values among the j values ending at position i: the definition the masks must reproduce. */
function bruteForce(values: readonly string[], i: number, j: number): number {
  return new Set(values.slice(Math.max(0, i - j + 1), i + 1)).size;
}

describe('newness masks', () => {
  it('marks, per row, the values not repeated later (hand-computed)', () => {
    // A B A C: bit k = the value k rows back is not repeated after it.
    //   row 0 (A): 1           row 1 (B): 11         row 2 (A): 011 (the first A is repeated)
    //   row 3 (C): 0111 → distinct among latest 1..4: 1, 2, 3, 3
    expect(masksOf(['A', 'B', 'A', 'C'])).toEqual([0b1, 0b11, 0b011, 0b0111]);
    expect([1, 2, 3, 4].map((j) => distinctAmongLatest(0b0111, j))).toEqual([1, 2, 3, 3]);
    expect(distinctAmongLatest(0b0111, 0)).toBe(0);
  });

  it('clears the bit of a value last seen exactly 31 rows back, and lets older rows fall off', () => {
    const values = ['A', ...Array.from({ length: 30 }, (_, i) => `B${i}`), 'A'];
    const masks = masksOf(values);
    expect(masks[31]).toBe(0x7fffffff); // bit 31 (the first A) cleared
    expect(distinctAmongLatest(masks[31]!, 32)).toBe(31);
    expect(appendMask(0xffffffff, undefined)).toBe(0xffffffff); // bit 31 shifted out, bit 0 set
    expect(appendMask(0xffffffff, 31)).toBe(0x7fffffff);
    expect(appendMask(0xffffffff, 32)).toBe(0xffffffff); // beyond reach: nothing to clear
  });

  it('agrees with counting distinct values directly on random sequences', () => {
    const random = createRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const alphabet = 1 + random.int(trial % 2 === 0 ? 4 : 40);
      const values = Array.from({ length: 1 + random.int(120) }, () => `v${random.int(alphabet)}`);
      const masks = masksOf(values);
      // The incremental form used on appends gives the same masks.
      const recent = new RecentValues();
      let mask = 0;
      values.forEach((value, i) => {
        mask = appendMask(mask, recent.distance(value, i + 1));
        recent.record(value, i + 1);
        expect(mask).toBe(masks[i]);
        for (const j of [1, 2, random.int(MASK_BITS) + 1, MASK_BITS]) {
          expect(distinctAmongLatest(masks[i]!, j), `trial ${trial} i ${i} j ${j}`).toBe(bruteForce(values, i, j));
        }
      });
    }
  });
});
