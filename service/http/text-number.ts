import { z } from 'zod';

/**
 * A decimal number written as text (an environment variable, a query parameter): digits with an
 * optional sign and fraction, nothing else. z.coerce alone reads a blank value as 0 (Number(" ")
 * is 0: RANDOM_REFERRAL_RATE=" " turned random selection off) and accepts 0x1F90 or 1e3.
 */
export const decimalText = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, { error: 'must be a number' })
  .transform(Number);

/** A number written as text, bounded, with messages that say what was wrong. */
export const textNumber = (min: number, max: number) =>
  decimalText.pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

/**
 * An integer written as text, bounded, with messages that say what was wrong: `PORT: must be at
 * most 65535`, `minCount: must be an integer`. Shared by the configuration (config.ts) and the
 * monitoring query strings.
 */
export const textInteger = (min: number, max: number) =>
  decimalText.pipe(
    z
      .number()
      .int({ error: 'must be an integer' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );
