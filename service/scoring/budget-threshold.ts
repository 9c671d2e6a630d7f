/**
 * Per-port referral budgets. A budget b says: the model may recommend at most a share b of a
 * port's scored crossings. The threshold that meets it is the (1 - b) quantile of the port's
 * recent scores: with n recent scores sorted ascending and k = floor(b * n) referrals allowed,
 * the threshold is the k-th largest score, so exactly k of the last n crossings would have scored
 * at or above it. A window too short to allow one referral, or shorter than MIN_BUDGET_WINDOW,
 * gives no threshold and the model card's threshold applies.
 *
 * Ties are never split (a crossing is referred when its score reaches the threshold): when the
 * k-th largest score is shared by crossings below the cut, the threshold moves up to the next
 * larger score, so the port refers fewer than k rather than the whole tie group. Discrete scores
 * (a tree ensemble's leaves) made that group unbounded: 500 of 2,000 crossings for a budget of 40.
 * When the tie is at the top score, the threshold lies just above it and the model refers none.
 */
export const MIN_BUDGET_WINDOW = 100;

/** The threshold that refers at most floor(budget * n) of `ascending` scores; undefined when the window is too short. */
export function budgetThreshold(ascending: ArrayLike<number>, budget: number): number | undefined {
  if (!(budget > 0 && budget < 1)) throw new RangeError(`budget must be in (0, 1), got ${budget}`);
  const n = ascending.length;
  const allowed = Math.floor(budget * n);
  if (n < MIN_BUDGET_WINDOW || allowed < 1) return undefined;
  const cut = n - allowed;
  const kth = ascending[cut]!;
  if (cut === 0 || ascending[cut - 1] !== kth) return kth; // exactly k at or above it
  let above = cut + 1;
  while (above < n && ascending[above] === kth) above++;
  return above < n ? ascending[above]! : nextAbove(kth);
}

/** The smallest double above x (x >= 0). */
function nextAbove(x: number): number {
  const bits = new Float64Array([x]);
  const words = new BigUint64Array(bits.buffer);
  words[0]! += 1n;
  return bits[0]!;
}

/** The last `size` scores of one port, kept both in arrival order (to evict) and sorted (to read quantiles). */
export class ScoreWindow {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private count = 0;
  private next = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
    this.ring = new Float64Array(size);
    this.sorted = new Float64Array(size);
  }

  get length(): number {
    return this.count;
  }

  /** Adds a score, evicting the oldest when full. O(size) memmove, about a microsecond at 2000. */
  add(score: number): void {
    if (this.count === this.size) {
      const evicted = this.ring[this.next]!;
      const at = lowerBound(this.sorted, this.count, evicted);
      this.sorted.copyWithin(at, at + 1, this.count);
      this.count--;
    }
    this.ring[this.next] = score;
    this.next = (this.next + 1) % this.size;
    const at = lowerBound(this.sorted, this.count, score);
    this.sorted.copyWithin(at + 1, at, this.count);
    this.sorted[at] = score;
    this.count++;
  }

  ascending(): Float64Array {
    return this.sorted.subarray(0, this.count);
  }
}

/** First index i in sorted[0, n) with sorted[i] >= value. */
function lowerBound(sorted: Float64Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface PortThreshold {
  readonly threshold: number;
  readonly source: 'model_card' | 'port_budget';
}

/**
 * The thresholds in force: a budgeted port's from its window, every other port's from the card.
 * The window of a budgeted port takes every score decided there (not only the referred ones).
 */
export class PortBudgets {
  private readonly windows = new Map<string, ScoreWindow>();

  constructor(
    private readonly budgets: ReadonlyMap<string, number>,
    windowSize: number,
  ) {
    for (const port of budgets.keys()) this.windows.set(port, new ScoreWindow(windowSize));
  }

  isBudgeted(port: string): boolean {
    return this.windows.has(port);
  }

  budgetedPorts(): string[] {
    return [...this.windows.keys()];
  }

  thresholdFor(port: string, cardThreshold: number): PortThreshold {
    const window = this.windows.get(port);
    const budget = this.budgets.get(port);
    if (window === undefined || budget === undefined) return { threshold: cardThreshold, source: 'model_card' };
    const threshold = budgetThreshold(window.ascending(), budget);
    return threshold === undefined ? { threshold: cardThreshold, source: 'model_card' } : { threshold, source: 'port_budget' };
  }

  observe(port: string, score: number): void {
    this.windows.get(port)?.add(score);
  }
}
