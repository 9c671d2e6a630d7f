import { z } from 'zod';

/**
 * Instants as the CLIs and the monitoring API accept them: an ISO 8601 date (YYYY-MM-DD, midnight
 * UTC) or date-time with an offset (Z or ±hh:mm; seconds and their fraction optional).
 *
 * Stricter than Date.parse on purpose: it rolls impossible dates and hours over (2025-02-31 is read
 * as 2025-03-03, T24:00 as the next day) and reads a date-time without an offset in the machine's
 * time zone, so the same command would mean another period on another machine.
 */
export const ISO_INSTANT_PATTERN = /^(\d{4}-\d{2}-\d{2})(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$/;

export const ISO_INSTANT_RULE = 'must be an ISO 8601 date (2025-03-01, midnight UTC) or date-time with offset (2025-03-01T08:00:00Z)';

const calendarDate = z.iso.date();

/** Epoch ms, or what is wrong with `text` (ISO_INSTANT_RULE, and which date is impossible). */
export function parseIsoInstant(text: string): { readonly at: number } | { readonly problem: string } {
  const match = ISO_INSTANT_PATTERN.exec(text);
  if (match === null) return { problem: ISO_INSTANT_RULE };
  if (!calendarDate.safeParse(match[1]).success) return { problem: `${ISO_INSTANT_RULE}; ${match[1]} is not a calendar date` };
  const at = Date.parse(match[2] === undefined ? `${text}T00:00:00Z` : text);
  return Number.isFinite(at) ? { at } : { problem: ISO_INSTANT_RULE };
}

/** A date without a time (YYYY-MM-DD): an inclusive `--to` then covers the whole day. */
export const isDateOnly = (text: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(text);
