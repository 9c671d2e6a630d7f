/**
 * The time-ordered split: train on the past, stop early and calibrate on the period after it,
 * evaluate on the latest period. Never random: a model scores crossings that come after the
 * ones it learnt from, and a random split would let it learn from its own holdout's future
 * (a vehicle's later crossings, seizures recorded after the evaluation period).
 *
 *   |---------------- train ----------------|--- validation ---|---- holdout ----|
 *                                       validationFrom      holdoutFrom
 *
 * Cut points fall between distinct timestamps: rows at the same instant always land in the
 * same part, so no part sees a row simultaneous with another part's.
 */

export interface TimeSplitOptions {
  /** Share of rows (latest) for the holdout when `holdoutFrom` is not given. */
  readonly holdoutFraction: number;
  /** Share of rows, counted back from the holdout's first row, for validation when `validationFrom` is not given. */
  readonly validationFraction: number;
  /** Epoch ms: rows at or after it are the holdout. */
  readonly holdoutFrom?: number;
  /** Epoch ms: rows at or after it and before the holdout are the validation slice. */
  readonly validationFrom?: number;
}

export interface TimeSplit {
  /** Row indices of each part, each in time order. */
  readonly train: Uint32Array;
  readonly validation: Uint32Array;
  readonly holdout: Uint32Array;
  /** First instant of the validation slice and of the holdout, epoch ms. */
  readonly validationFrom: number;
  readonly holdoutFrom: number;
}

export function timeOrderedSplit(timestamps: ArrayLike<number>, options: TimeSplitOptions): TimeSplit {
  const n = timestamps.length;
  checkFraction('holdoutFraction', options.holdoutFraction);
  checkFraction('validationFraction', options.validationFraction);
  if (options.holdoutFraction + options.validationFraction >= 1) {
    throw new RangeError(
      `holdoutFraction + validationFraction must be below 1 (got ${options.holdoutFraction} + ${options.validationFraction}): nothing would be left to train on`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(timestamps[i]!)) throw new RangeError(`row ${i}: timestamp is not a finite number`);
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);

  const holdoutStart =
    options.holdoutFrom !== undefined
      ? firstAtOrAfter(order, timestamps, options.holdoutFrom)
      : alignToInstant(order, timestamps, Math.floor(n * (1 - options.holdoutFraction)));
  const validationStart =
    options.validationFrom !== undefined
      ? firstAtOrAfter(order, timestamps, options.validationFrom)
      : alignToInstant(order, timestamps, holdoutStart - Math.round(n * options.validationFraction));

  if (validationStart > holdoutStart) {
    throw new RangeError('the validation slice must start before the holdout (validationFrom is after holdoutFrom)');
  }
  const split: TimeSplit = {
    train: order.slice(0, validationStart),
    validation: order.slice(validationStart, holdoutStart),
    holdout: order.slice(holdoutStart),
    validationFrom: validationStart < n ? timestamps[order[validationStart]!]! : Number.POSITIVE_INFINITY,
    holdoutFrom: holdoutStart < n ? timestamps[order[holdoutStart]!]! : Number.POSITIVE_INFINITY,
  };
  for (const part of ['train', 'validation', 'holdout'] as const) {
    if (split[part].length === 0) {
      throw new RangeError(`the time-ordered split leaves the ${part} part empty (${n} rows): give more rows or change the split`);
    }
  }
  return split;
}

function checkFraction(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be between 0 and 1 exclusive (got ${value})`);
}

/** Moves a cut position back to the first row of its instant, so an instant is never split. */
function alignToInstant(order: Uint32Array, timestamps: ArrayLike<number>, position: number): number {
  let p = Math.max(0, Math.min(position, order.length));
  if (p === order.length) return p;
  const t = timestamps[order[p]!]!;
  while (p > 0 && timestamps[order[p - 1]!]! === t) p--;
  return p;
}

/** Position of the first row (in time order) at or after `instant`: binary search. */
function firstAtOrAfter(order: Uint32Array, timestamps: ArrayLike<number>, instant: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[order[mid]!]! < instant) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
