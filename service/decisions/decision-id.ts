import { randomFillSync } from 'node:crypto';

/**
 * Decision ids are UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random
 * bits. They sort by time, so the decisions table's id index stays append-mostly, and an id
 * reveals nothing about the crossing.
 */
export const DECISION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * An id source drawing its random bits from a refilled buffer: one getrandom call per 400 ids
 * instead of one per id.
 */
export function createIdSource(bufferBytes = 4000): (nowMs: number) => string {
  const pool = new Uint8Array(bufferBytes - (bufferBytes % 10));
  let offset = pool.length;
  const take = (bytes: Uint8Array): void => {
    if (offset + bytes.length > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    bytes.set(pool.subarray(offset, offset + bytes.length));
    offset += bytes.length;
  };
  return (nowMs) => uuidV7(nowMs, take);
}

export function uuidV7(nowMs: number, random: (bytes: Uint8Array) => void = randomFillSync): string {
  const bytes = new Uint8Array(16);
  random(bytes.subarray(6));
  let ms = Math.trunc(nowMs);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
