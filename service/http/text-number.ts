import { z } from 'zod';

/**
 * An integer written as text (an environment variable, a query parameter), coerced and bounded,
 * with messages that say what was wrong: `PORT: must be at most 65535`, `minCount: must be an integer`.
 * Shared by the configuration (config.ts) and the monitoring query strings.
 */
export const textInteger = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
