import { isDateOnly, parseIsoInstant } from '../lib/iso-instant.ts';

/**
 * The `--from` / `--to` period of a training-set export. Both accept a date (YYYY-MM-DD, UTC) or
 * an ISO 8601 date-time with an offset (lib/iso-instant.ts). `--from` is inclusive; `--to` is
 * inclusive of the whole day when it is a bare date (`--to 2025-03-31` keeps March 31) and
 * exclusive when it is an instant.
 */

export interface TimeRange {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

const DAY_MS = 86_400_000;

export function parseTimeRange(from: string | undefined, to: string | undefined): TimeRange {
  const range = {
    from: from === undefined ? Number.NEGATIVE_INFINITY : parseBound('--from', from),
    to: to === undefined ? Number.POSITIVE_INFINITY : parseBound('--to', to) + (isDateOnly(to) ? DAY_MS : 0),
  };
  if (!(range.from < range.to)) throw new RangeError(`--from ${from} is not before --to ${to}: the period is empty`);
  return range;
}

export function inRange(range: TimeRange, at: number): boolean {
  return at >= range.from && at < range.to;
}

function parseBound(flag: string, text: string): number {
  const parsed = parseIsoInstant(text);
  if ('problem' in parsed) throw new RangeError(`${flag} '${text}' ${parsed.problem}`);
  return parsed.at;
}

/** ISO 8601 in the port's offset, e.g. 2025-03-01T07:15:00.000-08:00: what the console sent, rebuilt from storage. */
export function formatWithOffset(at: number, utcOffsetMinutes: number): string {
  const local = new Date(at + utcOffsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const minutes = Math.abs(utcOffsetMinutes);
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
