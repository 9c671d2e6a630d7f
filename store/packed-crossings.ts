import { DIRECTIONS, LANES } from '../features/crossing-event.schema.ts';

/**
 * Crossing records in bulk form: numbers in one Float64Array, keyed hashes given once in a
 * dictionary and referred to by index. Import packs on its parsing thread and hands these to the
 * writing thread (one transferred buffer instead of thousands of cloned objects), and the SQLite
 * store writes them without building record objects or looking keys up by string.
 *
 * Layout per record: at, utcOffsetMinutes, port (4 digits as a number), lane index (LANES),
 * direction index (DIRECTIONS), vehicle key index, VIN key index (-1: none), traveler count n,
 * then n pairs (traveler key index, 1 if driver else 0).
 */
export interface PackedCrossings {
  readonly numbers: Float64Array;
  readonly count: number;
  /** Keys first seen in this batch, in index order: they extend the receiver's dictionary. */
  readonly newKeys: readonly string[];
}

/** The keys of one import so far (index → keyed hash), grown by each batch's `newKeys`. */
export interface KeyDictionary {
  readonly keys: string[];
}

export const PACKED_FIXED_FIELDS = 8;

/** Adds a batch's new keys to the dictionary; call once per batch, in order, before reading it. */
export function extendDictionary(dictionary: KeyDictionary, packed: PackedCrossings): void {
  for (const key of packed.newKeys) dictionary.keys.push(key);
}

const portCodes = new Map<number, string>();

/** The 4-digit port code of its packed number (`101` → `'0101'`). */
export function portCode(n: number): string {
  let code = portCodes.get(n);
  if (code === undefined) portCodes.set(n, (code = String(n).padStart(4, '0')));
  return code;
}

export const laneOf = (index: number) => LANES[index]!;
export const directionOf = (index: number) => DIRECTIONS[index]!;
