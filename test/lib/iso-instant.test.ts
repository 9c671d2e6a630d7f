import { describe, expect, it } from 'vitest';
import { ISO_INSTANT_RULE, parseIsoInstant } from '../../lib/iso-instant.ts';
import { parseTimeRange } from '../../training/time-range.ts';

describe('parseIsoInstant', () => {
  it('reads a date as midnight UTC and a date-time by its offset', () => {
    expect(parseIsoInstant('2025-03-01')).toEqual({ at: Date.UTC(2025, 2, 1) });
    expect(parseIsoInstant('2024-02-29')).toEqual({ at: Date.UTC(2024, 1, 29) });
    expect(parseIsoInstant('2025-03-01T08:00Z')).toEqual({ at: Date.UTC(2025, 2, 1, 8) });
    expect(parseIsoInstant('2025-03-01T08:00:30.250-08:00')).toEqual({ at: Date.UTC(2025, 2, 1, 16, 0, 30, 250) });
    expect(parseIsoInstant('2025-03-01T23:59:59+05:30')).toEqual({ at: Date.UTC(2025, 2, 1, 18, 29, 59) });
  });

  it('refuses what Date.parse would roll over or read in the machine time zone', () => {
    for (const text of ['2025-03-01T08:00', '2025-03-01T24:00Z', '2025-03-01T08:60Z', '2025-03-01T08:00+24:00', '2025-3-1', 'yesterday', '']) {
      expect(parseIsoInstant(text), text).toEqual({ problem: ISO_INSTANT_RULE });
    }
    expect(parseIsoInstant('2025-02-31')).toEqual({ problem: `${ISO_INSTANT_RULE}; 2025-02-31 is not a calendar date` });
    expect(parseIsoInstant('2025-02-29T10:00:00Z')).toEqual({ problem: `${ISO_INSTANT_RULE}; 2025-02-29 is not a calendar date` });
  });

  it('names the flag in a training-set period', () => {
    expect(() => parseTimeRange('2025-03-01T08:00', undefined)).toThrow(`--from '2025-03-01T08:00' ${ISO_INSTANT_RULE}`);
    expect(parseTimeRange('2025-03-01', '2025-03-01')).toEqual({ from: Date.UTC(2025, 2, 1), to: Date.UTC(2025, 2, 2) });
  });
});
