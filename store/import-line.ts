import { crossingEventSchema, type CrossingEvent } from '../features/crossing-event.schema.ts';
import { formatIssues } from '../features/format-issues.ts';
import { isCertainlyValidCrossingEvent } from './crossing-event.fast-check.ts';
import { jsonErrorWithoutInput } from '../lib/json-error.ts';
import { MAX_LINE_CHARS, type NumberedLine } from './ndjson-lines.ts';

/** What one NDJSON line turned into: a valid event, nothing (blank line), or the reasons it was refused. */
export type LineOutcome =
  | { readonly kind: 'event'; readonly event: CrossingEvent }
  | { readonly kind: 'blank' }
  | { readonly kind: 'rejected'; readonly reasons: readonly string[] };

export type CrossingLineParser = (line: NumberedLine) => LineOutcome;

/**
 * Parses and validates lines with the same schema the HTTP API uses. Lines that certainly pass
 * take a fast path (crossing-event.fast-check.ts); the schema decides the rest.
 * `now` is fixed for the whole import (epoch ms): a crossing more than 5 minutes after it is refused.
 * Blank lines are skipped, not refused (a trailing newline is common).
 */
export function createCrossingLineParser(now: number): CrossingLineParser {
  const schema = crossingEventSchema(() => now);
  return (line) => {
    if (line.tooLong) return { kind: 'rejected', reasons: [`line is longer than ${MAX_LINE_CHARS} characters`] };
    if (line.text.trim() === '') return { kind: 'blank' };
    let json: unknown;
    try {
      json = JSON.parse(line.text);
    } catch (error) {
      return { kind: 'rejected', reasons: [`not valid JSON: ${jsonErrorWithoutInput((error as Error).message)}`] };
    }
    if (isCertainlyValidCrossingEvent(json, now)) return { kind: 'event', event: json };
    const parsed = schema.safeParse(json);
    if (!parsed.success) return { kind: 'rejected', reasons: formatIssues(parsed.error.issues, { input: json }) };
    return { kind: 'event', event: parsed.data };
  };
}
