/**
 * A seeded pseudo-random source for everything that must be reproducible: the simulator, the
 * trainer's initialisation and shuffles, bootstrap intervals. Never for referral selection,
 * which must be unpredictable and uses node:crypto (service/decide).
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32 so
 * that nearby seeds give unrelated streams. Period about 2^128; passes PractRand to 2^40+.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal, Box-Muller. */
  normal(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An independent stream derived from this one, so adding draws in one place does not shift another. */
  fork(): Random;
}

export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();

  let spareNormal: number | undefined;
  const random: Random = {
    next: () => u32() / 4294967296,
    int: (n) => Math.floor((u32() / 4294967296) * n),
    normal: () => {
      if (spareNormal !== undefined) {
        const z = spareNormal;
        spareNormal = undefined;
        return z;
      }
      let u = 0;
      while (u === 0) u = u32() / 4294967296;
      const v = u32() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    exponential: (mean) => {
      let u = 0;
      while (u === 0) u = u32() / 4294967296;
      return -Math.log(u) * mean;
    },
    chance: (p) => u32() / 4294967296 < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor((u32() / 4294967296) * items.length)] as (typeof items)[number];
    },
    fork: () => createRandom(u32()),
  };
  return random;
}
