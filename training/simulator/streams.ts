import { createRandom, type Random } from '../../lib/random.ts';

/**
 * Independent random streams, one per concern (and per day where a concern draws every day), all
 * derived from the one seed. A change in how one concern draws (say, the operations' schedule)
 * does not shift the numbers any other concern sees, so the legitimate population and its traffic
 * stay bit-identical when only the smuggling operations change (as `--inject-bias` does).
 */
export type Concern =
  | 'population'
  | 'population-audit'
  | 'legitimate-schedule'
  | 'legitimate-inspections'
  | 'operations'
  | 'operations-schedule'
  | 'operations-audit'
  | 'operations-bias'
  | 'operations-loads'
  | 'operations-inspections'
  | 'identity-salt';

export function streamFor(seed: number, concern: Concern, index = 0): Random {
  return createRandom(streamSeed(seed, concern, index));
}

/** FNV-1a over "seed/concern/index", finished with murmur3's fmix32 so nearby inputs give unrelated seeds. */
export function streamSeed(seed: number, concern: string, index: number): number {
  const text = `${seed >>> 0}/${concern}/${index}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
