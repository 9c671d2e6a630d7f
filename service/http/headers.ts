import { z } from 'zod';
import { idempotencyKeyHeader } from '../idempotency/idempotency.ts';

/** Who at the console acted; recorded with decisions and outcomes. Defaults to the token's name. */
export const officerIdHeader = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 letters, digits, . _ -' })
  .optional()
  .describe('Optional. The officer at the console (badge or user id); defaults to the token name.');

/** Headers of the write routes. Loose: other headers pass untouched. */
export const writeHeaders = z.looseObject({
  'idempotency-key': idempotencyKeyHeader,
  'x-officer-id': officerIdHeader,
});
