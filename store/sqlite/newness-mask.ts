import { DISTINCT_SCAN_LIMIT } from '../../features/history.ts';

/**
 * Newness masks: distinct counts over an entity's latest j <= 32 rows without scanning them.
 *
 * For the row at position i of an entity's history, bit k of its mask is set when the value at
 * position i - k does not occur again at positions i - k + 1 .. i. The number of distinct values
 * among the latest j rows up to i is then popcount(mask_i & (2^j - 1)): each distinct value
 * counts once, at its latest occurrence.
 *
 * An append needs only the previous mask and how far back the value last occurred:
 *   mask_i = ((mask_{i-1} << 1) | 1) with bit d cleared, d = i - (previous position of the value).
 */
export const MASK_BITS = 32;

if (DISTINCT_SCAN_LIMIT > MASK_BITS) {
  throw new RangeError(`DISTINCT_SCAN_LIMIT is ${DISTINCT_SCAN_LIMIT}; the store's newness masks hold at most ${MASK_BITS} rows`);
}

/** The mask of a new row, from the previous row's mask and the distance back to the value's previous occurrence (undefined: none). */
export function appendMask(previous: number, distance: number | undefined): number {
  let mask = ((previous << 1) | 1) >>> 0;
  if (distance !== undefined && distance < MASK_BITS) mask = (mask & ~(1 << distance)) >>> 0;
  return mask;
}

/** Distinct values among the latest `j` rows (j >= 0) of the row whose mask this is. */
export function distinctAmongLatest(mask: number, j: number): number {
  if (j <= 0) return 0;
  const low = j >= MASK_BITS ? mask : mask & (2 ** j - 1);
  return popcount(low >>> 0);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Masks for every position of a sequence of values, oldest first, as if nothing came before it. */
export function masksOf(values: readonly (string | number)[]): number[] {
  const lastAt = new Map<string | number, number>();
  const masks: number[] = [];
  let mask = 0;
  values.forEach((value, i) => {
    const previous = lastAt.get(value);
    mask = appendMask(mask, previous === undefined ? undefined : i - previous);
    lastAt.set(value, i);
    masks.push(mask);
  });
  return masks;
}

/**
 * Where each value last occurred (by an entity's running position `seq`), for the values of its
 * latest MASK_BITS rows: all an append needs. An entity's rows hold few distinct values (a
 * vehicle's ports and drivers, a traveler's vehicles), so two short parallel arrays scanned
 * linearly beat a Map; positions out of reach are dropped as they grow.
 */
export class RecentValues {
  private readonly values: (string | number)[] = [];
  private readonly positions: number[] = [];

  /** Distance from `seq` back to the value's latest occurrence, or undefined when none is within reach. */
  distance(value: string | number, seq: number): number | undefined {
    const i = this.values.indexOf(value);
    if (i < 0) return undefined;
    const distance = seq - this.positions[i]!;
    return distance >= MASK_BITS ? undefined : distance;
  }

  record(value: string | number, seq: number): void {
    const i = this.values.indexOf(value);
    if (i >= 0) {
      this.positions[i] = seq;
      return;
    }
    this.values.push(value);
    this.positions.push(seq);
    if (this.values.length > 8) {
      for (let k = this.values.length - 1; k >= 0; k--) {
        if (seq - this.positions[k]! >= MASK_BITS) {
          this.values.splice(k, 1);
          this.positions.splice(k, 1);
        }
      }
    }
  }
}
