import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { IdempotencyClaim, StoredReply } from '../decisions/decision-log.ts';
import type { DecisionRepository } from '../decisions/decision-repository.ts';
import { HttpError } from '../http/errors.ts';

/**
 * `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): a client that did not get a
 * reply (timeout, dropped connection) sends the same request with the same key again and gets the
 * first reply, not a second decision, outcome or crossing. Keys are private to the token that
 * sent them and to the route.
 *
 * - The reply is stored in the same transaction as the write (decision-log.ts), so a key is
 *   either unused or bound to a durable reply: no window where the write landed and the key did not.
 * - The same key with a different body is refused with 422, as the draft says.
 * - Two concurrent requests with one key: the second waits for the first and replays its reply.
 * - The body is fingerprinted with an HMAC under the identifier key, not a plain hash: bodies hold
 *   plates and document numbers, and a plain hash of a guessable body could be confirmed offline.
 */
export const idempotencyKeyHeader = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' })
  .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
  .optional()
  .describe('Optional. A retry with the same key replays the first reply instead of writing twice (UUIDs work well).');

export interface IdempotentOutcome {
  readonly statusCode: number;
  readonly body: unknown;
  readonly replayed: boolean;
}

export interface Idempotency {
  /**
   * Runs `execute` once per (scope, key). Without a key it just runs it. `execute` receives the
   * claim to pass to the decision log, which stores the reply with the write.
   */
  run(
    scope: string,
    key: string | undefined,
    body: unknown,
    execute: (claim: IdempotencyClaim | undefined) => Promise<StoredReply>,
  ): Promise<IdempotentOutcome>;
}

export function createIdempotency(options: { repository: DecisionRepository; fingerprintKey: Buffer }): Idempotency {
  const inFlight = new Map<string, Promise<unknown>>();

  const fingerprint = (body: unknown): string =>
    createHmac('sha256', options.fingerprintKey).update(JSON.stringify(body) ?? '').digest('base64url');

  function replay(scope: string, key: string, requestHash: string): IdempotentOutcome | undefined {
    const stored = options.repository.findReply(scope, key);
    if (stored === undefined) return undefined;
    if (stored.requestHash !== requestHash) {
      // The key is not quoted: the message is logged, and a console may build keys from what it has at hand (a document number).
      throw new HttpError(422, 'idempotency-key: this key was already used with a different request body; use a new key for a new request');
    }
    return { statusCode: stored.statusCode, body: stored.body, replayed: true };
  }

  return {
    async run(scope, key, body, execute) {
      if (key === undefined) return { ...(await execute(undefined)), replayed: false };
      const requestHash = fingerprint(body);
      const slot = `${scope}\u0000${key}`;
      // Wait for a request with the same key that is still being written, then replay it.
      for (let pending = inFlight.get(slot); pending !== undefined; pending = inFlight.get(slot)) {
        await pending.catch(() => undefined);
      }
      const earlier = replay(scope, key, requestHash);
      if (earlier !== undefined) return earlier;
      const running = execute({ scope, key, requestHash });
      inFlight.set(slot, running);
      try {
        return { ...(await running), replayed: false };
      } finally {
        inFlight.delete(slot);
      }
    },
  };
}
