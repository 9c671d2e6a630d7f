import { RecentValues, appendMask } from './newness-mask.ts';

/**
 * The running values after an entity's latest row, in one role (vehicle or traveler), as the
 * writer keeps them in memory so that an append reads nothing (history-writer.ts).
 */
export interface Running {
  at: number;
  seq: number;
  firstAt: number;
  lastOutboundAt: number | null;
  /** Newness masks of the role's attributes: [port, driver] for vehicles, [vehicle] for travelers. */
  readonly masks: number[];
  readonly recent: RecentValues[];
}

export type AttributeValue = string | number;

/**
 * Running values by entity id. Ids are dense small integers, so a plain array beats a Map here
 * (measured: the Map lookups were a tenth of an import's main-thread time).
 */
export class RunningStates {
  private states: (Running | null | undefined)[] = [];
  private loaded = 0;

  constructor(
    private readonly attributes: number,
    /**
     * The entity's latest rows (at most MASK_BITS), latest first, as a lazy iterator (a statement's
     * `iterate()`), so reading can stop early: at, seq, first_at, last_outbound_at, masks..., values...
     */
    private readonly latestRows: (id: number) => IterableIterator<unknown[]>,
  ) {}

  get size(): number {
    return this.loaded;
  }

  clear(): void {
    this.states = [];
    this.loaded = 0;
  }

  forget(id: number): void {
    this.states[id] = undefined;
  }

  /** The entity's running values, read from its latest rows on first use; null when it has no rows. */
  of(id: number): Running | null {
    let state = this.states[id];
    if (state === undefined) {
      state = this.load(id);
      this.states[id] = state;
      this.loaded++;
    }
    return state;
  }

  /** Advances the entity's running values by an append at `at` (>= its latest) with these attribute values. */
  append(id: number, at: number, outbound: boolean, values: readonly AttributeValue[]): Running {
    let state = this.of(id);
    if (state === null) {
      state = { at, seq: 0, firstAt: at, lastOutboundAt: null, masks: values.map(() => 0), recent: values.map(() => new RecentValues()) };
      this.states[id] = state;
    }
    state.at = at;
    state.seq += 1;
    if (outbound) state.lastOutboundAt = at;
    for (let a = 0; a < values.length; a++) {
      const recent = state.recent[a]!;
      state.masks[a] = appendMask(state.masks[a]!, recent.distance(values[a]!, state.seq));
      recent.record(values[a]!, state.seq);
    }
    return state;
  }

  /**
   * Reads only as far back as the latest row's newness masks reach. A set bit k marks the latest
   * occurrence of a value among the latest MASK_BITS rows (newness-mask.ts), and the latest
   * occurrence of each value is all RecentValues needs; rows older than the highest set bit hold
   * only values that recur later. A vehicle crossing at one port with one driver has masks 0b1: one
   * row read instead of up to MASK_BITS. Measured on the serve benchmark's store: 7 rows read per
   * vehicle instead of 20, 13 µs instead of 21 (a cold append's largest cost).
   */
  private load(id: number): Running | null {
    const rows: unknown[][] = [];
    let reach = 1;
    for (const row of this.latestRows(id)) {
      if (rows.length === 0) {
        let reached = 0;
        for (let a = 0; a < this.attributes; a++) reached |= row[4 + a] as number;
        reach = 32 - Math.clz32(reached);
      }
      rows.push(row);
      if (rows.length >= reach) break;
    }
    if (rows.length === 0) return null;
    const [at, seq, firstAt, lastOutboundAt] = rows[0] as [number, number, number, number | null];
    const n = this.attributes;
    const masks = rows[0]!.slice(4, 4 + n) as number[];
    const recent = Array.from({ length: n }, () => new RecentValues());
    for (let r = rows.length - 1; r >= 0; r--) {
      const row = rows[r]!;
      for (let a = 0; a < n; a++) recent[a]!.record(row[4 + n + a] as AttributeValue, row[1] as number);
    }
    return { at, seq, firstAt, lastOutboundAt, masks, recent };
  }
}
