import { RecentValues, appendMask } from './newness-mask.ts';
import { LADDER_LENGTH, emptyLadder, ladderOfColumns, unknownLadder, type Ladder } from './window-ladder.ts';

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
  /** One ladder per window of the role (window-ladder.ts), as of `storedAt`. */
  readonly ladders: Ladder[];
  /** The latest crossing when the state was last written or loaded (-Infinity for an entity new since). */
  storedAt: number;
  /** Times appended since then, ascending (null: none); the ladders are advanced by them when written (latest-state.ts). */
  appended: number[] | null;
}

export type AttributeValue = string | number;

/**
 * Running values by entity id. Ids are dense small integers, so a plain array beats a Map here
 * (measured: the Map lookups were a tenth of an import's main-thread time).
 */
export class RunningStates {
  private states: (Running | null | undefined)[] = [];
  private loaded = 0;
  private changedIds: number[] = [];

  constructor(
    private readonly attributes: number,
    /** The role's window lengths (ms), in the order of its ladders. */
    private readonly windows: readonly number[],
    /**
     * The entity's latest rows (at most MASK_BITS), latest first, as a lazy iterator (a statement's
     * `iterate()`), so reading can stop early: at, seq, first_at, last_outbound_at, masks..., values...
     */
    private readonly latestRows: (id: number) => IterableIterator<unknown[]>,
    /** The entity's stored latest state (vehicle_latest / traveler_latest): at, seq, then each ladder's columns. */
    private readonly latestState: (id: number) => unknown[] | undefined,
  ) {}

  get size(): number {
    return this.loaded;
  }

  clear(): void {
    this.states = [];
    this.loaded = 0;
    this.changedIds = [];
  }

  /** Drops the entity's values (its rows changed other than by an append: read them again); it counts as changed. */
  forget(id: number): void {
    this.states[id] = undefined;
    this.changedIds.push(id);
  }

  /** Ids of the entities appended to or forgotten since the last call, ascending, each once; resets the list. */
  takeChanged(): Int32Array {
    const ids = Int32Array.from(this.changedIds).sort();
    this.changedIds = [];
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (n === 0 || ids[n - 1] !== ids[i]) ids[n++] = ids[i]!;
    return ids.subarray(0, n);
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
      state = {
        at,
        seq: 0,
        firstAt: at,
        lastOutboundAt: null,
        masks: values.map(() => 0),
        recent: values.map(() => new RecentValues()),
        ladders: this.windows.map(emptyLadder),
        appended: null,
        storedAt: -Infinity,
      };
      this.states[id] = state;
    }
    if (state.appended === null) {
      state.appended = [];
      this.changedIds.push(id);
    }
    state.appended.push(at);
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
    return { at, seq, firstAt, lastOutboundAt, masks, recent, ladders: this.loadLadders(id, at, seq), appended: null, storedAt: at };
  }

  /** The ladders stored with the entity's latest state, when that state is of its latest row (else unknown: read at the end of the transaction). */
  private loadLadders(id: number, at: number, seq: number): Ladder[] {
    const stored = this.latestState(id);
    const current = stored !== undefined && stored[0] === at && stored[1] === seq;
    return this.windows.map((window, w) =>
      current ? ladderOfColumns(stored, 2 + w * (1 + LADDER_LENGTH), window, at) : unknownLadder(),
    );
  }
}
