import type { Random } from '../lib/random.ts';

/**
 * Exact binomial and multinomial draws in O(1) expected time whatever n, so a bootstrap can
 * resample a group of ten million decisions from its counts as cheaply as one of ten.
 *
 * Binomial(n, p), after folding p > 1/2 onto 1 − p:
 * - n·p < 10: inversion by waiting times (Devroye, "Non-Uniform Random Variate Generation", 1986,
 *   X.4): sum geometric gaps until they pass n; expected n·p + 1 draws.
 * - otherwise: BTRS, Hörmann's transformed rejection with squeeze ("The generation of binomial
 *   random variates", J. Stat. Comput. Simul. 46, 1993), as TensorFlow's random_binomial uses;
 *   about 1.15 uniforms per draw.
 */

/** log k! − its Stirling approximation, for the BTRS acceptance bound. */
function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL_TABLE[k] as number;
  const k1 = k + 1;
  const k2 = k1 * k1;
  return (1 / 12 - (1 / 360 - 1 / 1260 / k2) / k2) / k1;
}

/** log k! − [(k + ½) log(k + 1) − (k + 1) + ½ log 2π], computed exactly for k = 0..9. */
const STIRLING_TAIL_TABLE = Array.from({ length: 10 }, (_, k) => {
  let logFactorial = 0;
  for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
  return logFactorial - ((k + 0.5) * Math.log(k + 1) - (k + 1) + 0.5 * Math.log(2 * Math.PI));
});

function binomialInversion(n: number, p: number, random: Random): number {
  const logQ = Math.log1p(-p);
  let sum = 0;
  let count = 0;
  for (;;) {
    let u = random.next();
    while (u === 0) u = random.next();
    sum += Math.ceil(Math.log(u) / logQ);
    if (sum > n) return count;
    count++;
  }
}

function binomialBtrs(n: number, p: number, random: Random): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vR = 0.92 - 4.2 / b;
  const r = p / q;
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = random.next() - 0.5;
    let v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vR) return k;
    if (v === 0) continue;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(n - m) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/** A Binomial(n, p) draw: the number of successes in n independent trials of probability p. */
export function binomialDraw(n: number, p: number, random: Random): number {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`n must be an integer >= 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  if (p > 0.5) return n - binomialDraw(n, 1 - p, random);
  return n * p < 10 ? binomialInversion(n, p, random) : binomialBtrs(n, p, random);
}

/**
 * A Multinomial(n, weights / Σ weights) draw over cells, by conditional binomials: cell i takes
 * Binomial(n − drawn so far, w_i / remaining weight). Resampling n rows with replacement from rows
 * spread over these cells (row counts as weights) is exactly this draw.
 */
export function multinomialDraw(n: number, weights: readonly number[], random: Random): number[] {
  const out = new Array<number>(weights.length).fill(0);
  multinomialDrawInto(n, weights, random, out);
  return out;
}

/** multinomialDraw writing into `out` (same length as `weights`), for hot loops that reuse one array. */
export function multinomialDrawInto(n: number, weights: ArrayLike<number>, random: Random, out: { [i: number]: number; length: number }): void {
  let remainingWeight = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`weights[${i}] must be a finite number >= 0, got ${w}`);
    remainingWeight += w;
    out[i] = 0;
    if (w > 0) last = i;
  }
  if (n > 0 && last === -1) throw new RangeError('cannot draw into cells that all have weight 0');
  let remaining = n;
  for (let i = 0; i < weights.length && remaining > 0; i++) {
    const w = weights[i] as number;
    if (w === 0) continue;
    if (i === last) {
      // The last cell takes the rest (exactly, whatever rounding the running weight has collected).
      out[i] = remaining;
      break;
    }
    const drawn = binomialDraw(remaining, Math.min(1, w / remainingWeight), random);
    out[i] = drawn;
    remaining -= drawn;
    remainingWeight -= w;
  }
}
