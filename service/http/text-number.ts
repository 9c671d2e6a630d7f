import { z } from 'zod';

/**
 * An integer written as text in a query string, coerced and bounded, with messages that say what
 * was wrong: `minCount: must be an integer`. Coerced rather than parsed as text so that OpenAPI
 * documents the parameter as the integer it is, with its bounds and default.
 */
export const textInteger = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/**
 * A decimal number in an environment variable: digits with an optional sign and fraction, nothing
 * else. Coercion alone reads a blank value as 0 (Number(" ") is 0: RANDOM_REFERRAL_RATE=" " turned
 * random selection off) and accepts 0x1F90 or 1e3.
 */
const decimalText = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, { error: 'must be a number' })
  .transform(Number);

/** A number in an environment variable, bounded (config.ts). */
export const envNumber = (min: number, max: number) =>
  decimalText.pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

/** An integer in an environment variable, bounded (config.ts): `PORT: must be at most 65535`. */
export const envInteger = (min: number, max: number) =>
  decimalText.pipe(
    z
      .number()
      .int({ error: 'must be an integer' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );
