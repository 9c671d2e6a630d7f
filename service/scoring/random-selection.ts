import { randomFillSync } from 'node:crypto';

/**
 * Uniform draws in [0, 1) from the operating system's CSPRNG, for random referral selection.
 * A seeded generator (lib/random.ts) would let anyone who learns the seed predict which
 * crossings escape selection; this source cannot be predicted from earlier draws.
 *
 * 53 random bits per draw (the precision of a double), read from a refilled buffer so a draw
 * costs a few nanoseconds instead of a system call.
 */
export type UniformSource = () => number;

export function createCryptoUniform(bufferBytes = 4096): UniformSource {
  const buffer = Buffer.alloc(bufferBytes - (bufferBytes % 8));
  let offset = buffer.length;
  return () => {
    if (offset === buffer.length) {
      randomFillSync(buffer);
      offset = 0;
    }
    const high = buffer.readUInt32LE(offset) >>> 11; // 21 bits
    const low = buffer.readUInt32LE(offset + 4); // 32 bits
    offset += 8;
    return (high * 4294967296 + low) / 9007199254740992; // / 2^53
  };
}
