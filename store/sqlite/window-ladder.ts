/**
 * Window counts at any instant after an entity's latest crossing, from a few numbers kept with its
 * latest state (vehicle_latest / traveler_latest, migrations/001-history.sql), without reading its
 * history.
 *
 * For a window of length W and an entity whose latest crossing is at L, a lookup at t > L counts the
 * crossings at or after t - W (all are before t). Times are integer milliseconds, so t - W >= s with
 * s = L + 1 - W: every crossing before s is out of the window for every such t. A ladder keeps
 *   count = the crossings at or after s, and
 *   times = the earliest LADDER_LENGTH of them (or all when fewer), ascending;
 * then for t > L
 *   crossings in [t - W, t) = count - (listed times before t - W),
 * exact when some listed time is at or after t - W (the unlisted ones are later still) or when all
 * are listed. Otherwise the ladder has run out and the reader seeks the history (history-reader.ts).
 * Ties need no order: only how many times fall before an instant matters.
 *
 * The writer keeps each entity's ladders in memory as last stored (running-state.ts) with the times
 * appended since, and before the transaction commits advances them (ladderAfterAppends): the start
 * moves to at + 1 - W, listed times that fall before it leave (and the count with them), the
 * appended crossings join (listed when every earlier one is). Once per transaction, not per append:
 * advancing the ladders of a cold entity on every crossing doubled what they add to an import.
 * A ladder that cannot say how many crossings it left behind (all listed ones left while unlisted
 * ones remained) is unknown, and is read from the history rows, as is one whose list has run short
 * (needsReading): one range read of LADDER_LENGTH rows per LADDER_LENGTH / 2 crossings at most.
 *
 * Measured on the bench's queries (the 3 days after a stored year; the live case is closer): with 8
 * listed times about 98% of windows are answered by the ladder; with 4, 75 to 95%.
 */
export const LADDER_LENGTH = 8;

export interface Ladder {
  /** Crossings at or after the window's start; UNKNOWN_COUNT until read from the history rows. */
  count: number;
  /** Absolute epoch ms, ascending, at most LADDER_LENGTH. */
  times: number[];
}

export const UNKNOWN_COUNT = -1;

export const emptyLadder = (): Ladder => ({ count: 0, times: [] });

/**
 * The ladder of window `window` after appends: `old` was the ladder when the latest crossing was at
 * `previousAt` (-Infinity: none), `appended` the crossings since, ascending, all at or after
 * `previousAt`; the latest is now at `latestAt`. Unknown when it cannot tell how many earlier
 * crossings fall before the new start: all listed ones do and unlisted ones remain.
 */
export function ladderAfterAppends(old: Ladder, window: number, previousAt: number, appended: readonly number[], latestAt: number): Ladder {
  const start = latestAt + 1 - window;
  if (start > previousAt) {
    // No earlier crossing is in the window: the appended ones from the start on are all it holds.
    let first = 0;
    while (first < appended.length && appended[first]! < start) first++;
    return { count: appended.length - first, times: appended.slice(first, first + LADDER_LENGTH) };
  }
  // Every appended crossing is at or after previousAt, so in the window.
  if (old.count === UNKNOWN_COUNT) return unknownLadder();
  const complete = old.times.length === old.count;
  let left = 0;
  while (left < old.times.length && old.times[left]! < start) left++;
  if (!complete && left === old.times.length) return unknownLadder();
  const times = old.times.slice(left);
  // The appended crossings come right after the listed ones only when every earlier one is listed.
  for (let i = 0; complete && i < appended.length && times.length < LADDER_LENGTH; i++) times.push(appended[i]!);
  return { count: old.count - left + appended.length, times };
}

export const unknownLadder = (): Ladder => ({ count: UNKNOWN_COUNT, times: [] });

/** Whether the ladder must be read from the history rows before it is stored: unknown, or short with crossings unlisted. */
export function needsReading(ladder: Ladder): boolean {
  return ladder.count === UNKNOWN_COUNT || (ladder.times.length < ladder.count && ladder.times.length < LADDER_LENGTH / 2);
}

/**
 * A ladder from the entity's earliest LADDER_LENGTH history rows at or after the window's start
 * (`at`, `seq` each, in (at, crossing_id) order) and the seq of its latest row.
 */
export function ladderFromRows(rows: readonly (readonly [number, number])[], latestSeq: number): Ladder {
  if (rows.length === 0) return emptyLadder();
  return { count: latestSeq - rows[0]![1] + 1, times: rows.map((row) => row[0]) };
}

/** The stored form: count, then LADDER_LENGTH offsets from the window's start (null past the last). */
export function ladderColumns(ladder: Ladder, window: number, latestAt: number, out: (number | null)[]): void {
  const start = latestAt + 1 - window;
  out.push(ladder.count);
  for (let i = 0; i < LADDER_LENGTH; i++) out.push(i < ladder.times.length ? ladder.times[i]! - start : null);
}

/** The inverse of ladderColumns, from `columns[from]` on. */
export function ladderOfColumns(columns: readonly unknown[], from: number, window: number, latestAt: number): Ladder {
  const start = latestAt + 1 - window;
  const times: number[] = [];
  for (let i = 0; i < LADDER_LENGTH; i++) {
    const offset = columns[from + 1 + i];
    if (offset === null) break;
    times.push((offset as number) + start);
  }
  return { count: columns[from] as number, times };
}

/** Column names of a window's ladder, `suffix` as in the schema ('24h', '7d', ...): cW, oW_1..oW_8. */
export function ladderColumnNames(suffix: string): string[] {
  return [`c${suffix}`, ...Array.from({ length: LADDER_LENGTH }, (_, i) => `o${suffix}_${i + 1}`)];
}

/**
 * SQL for the count in [t - W, t) from a ladder on the current row of a *_latest table, for t = `at`
 * (an SQL expression) after the row's `at`; NULL when the ladder has run out. The listed offsets
 * before t - W are those below t - W - s = t - 1 - at.
 */
export function ladderCountSql(suffix: string, at: string): string {
  const [count, ...offsets] = ladderColumnNames(suffix);
  const past = `(${at} - at - 1)`;
  const steps = offsets.map(
    (offset, i) => `WHEN ${offset} >= ${past} THEN ${count} - ${i} WHEN ${offset} IS NULL THEN (CASE WHEN ${count} = ${i} THEN 0 END)`,
  );
  return `CASE ${steps.join(' ')} WHEN ${count} = ${LADDER_LENGTH} THEN 0 END`;
}
