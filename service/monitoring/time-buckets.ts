/**
 * The time grid of the monitoring aggregates. Every aggregate row belongs to one bucket of one
 * level, UTC, aligned to the Unix epoch:
 *
 *   level 0  hour     3 600 000 ms
 *   level 1  day      24 hours
 *   level 2  week     7 days (epoch weeks: they start on Thursdays 00:00 UTC, as 1970-01-01 was one)
 *   level 3  period   28 days (four epoch weeks)
 *
 * Each size divides the next. Decisions are counted at hours, days and weeks (DECISION_LEVELS);
 * fairness groups at days, weeks and 28-day periods (GROUP_LEVELS: an hour holds too few people of
 * one group to judge, and hourly group rows would be nearly as many as the people themselves; a
 * year of groups is thousands of rows per port at weeks, hundreds at periods).
 *
 * A window is answered from the coarsest buckets that fit inside it: [from, to) splits into a few
 * runs (finer buckets up to the first whole coarser one, the whole coarse ones, finer ones at the
 * end). A report over a year reads a few hundred buckets per port and model (and group), whatever
 * the number of decisions: that is what keeps a report over ten million decisions near a second.
 *
 * Resolution: windows are widened to whole hours (from down, to up), fairness windows to whole
 * UTC days; the reports say which window they answered.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const PERIOD_MS = 4 * WEEK_MS;

export const LEVELS = [
  { level: 0, name: 'hour', size: HOUR_MS },
  { level: 1, name: 'day', size: DAY_MS },
  { level: 2, name: 'week', size: WEEK_MS },
  { level: 3, name: 'period', size: PERIOD_MS },
] as const;

export type Level = (typeof LEVELS)[number]['level'];
export type LevelName = (typeof LEVELS)[number]['name'];

/** Levels of the per-decision cells and distributions. */
export const DECISION_LEVELS: readonly Level[] = [0, 1, 2];
/** Levels of the fairness group cells. */
export const GROUP_LEVELS: readonly Level[] = [1, 2, 3];

export function levelByName(name: LevelName): (typeof LEVELS)[number] {
  const found = LEVELS.find((l) => l.name === name);
  if (found === undefined) throw new RangeError(`unknown level ${name}`);
  return found;
}

/** Start of the bucket of `level` holding instant `at` (epoch ms). */
export function bucketStart(level: Level, at: number): number {
  const size = LEVELS[level].size;
  return Math.floor(at / size) * size;
}

/** The window widened to whole hours: [floor(from), ceil(to)). */
export function alignToHours(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / HOUR_MS) * HOUR_MS, to: Math.ceil(to / HOUR_MS) * HOUR_MS };
}

/** The window widened to whole UTC days: [floor(from), ceil(to)). */
export function alignToDays(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / DAY_MS) * DAY_MS, to: Math.ceil(to / DAY_MS) * DAY_MS };
}

/** A run of consecutive buckets of one level: bucket starts in [from, to). */
export interface BucketRun {
  readonly level: Level;
  readonly from: number;
  readonly to: number;
}

/**
 * The fewest runs of buckets of the given levels, that tile [from, to) exactly. `from` and `to`
 * must be whole buckets of the finest level given. Greedy: the coarsest level with a whole bucket
 * inside the window takes every whole bucket it can; the uncovered ends go to the finer levels.
 */
export function decomposeWindow(from: number, to: number, levels: readonly Level[] = DECISION_LEVELS): BucketRun[] {
  const sizes = [...levels].sort((a, b) => a - b).map((l) => LEVELS[l]);
  const finest = sizes[0];
  if (finest === undefined) throw new RangeError('no levels');
  if (from % finest.size !== 0 || to % finest.size !== 0) throw new RangeError(`window [${from}, ${to}) must start and end on whole ${finest.name}s`);
  if (!(from <= to)) throw new RangeError(`window start ${from} is after its end ${to}`);
  const runs: BucketRun[] = [];
  const cover = (start: number, end: number, top: number): void => {
    if (start >= end) return;
    for (let i = top; i >= 0; i--) {
      const { level, size } = sizes[i] as (typeof LEVELS)[number];
      const a = Math.ceil(start / size) * size;
      const b = Math.floor(end / size) * size;
      if (a < b) {
        runs.push({ level, from: a, to: b });
        cover(start, a, i - 1);
        cover(b, end, i - 1);
        return;
      }
    }
  };
  cover(from, to, sizes.length - 1);
  return runs.sort((x, y) => x.from - y.from);
}
