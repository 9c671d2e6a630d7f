import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { crossingEventSchema, type CrossingEvent } from '../../features/crossing-event.schema.ts';
import { formatIssues } from '../../features/format-issues.ts';
import { toCrossingRecord } from '../../store/crossing-record.ts';
import { principalOf } from '../auth/auth.plugin.ts';
import { BODY_ERRORS, COMMON_ERRORS, errorResponses } from '../http/errors.ts';
import { writeHeaders } from '../http/headers.ts';
import type { Idempotency } from '../idempotency/idempotency.ts';

/**
 * POST /v1/crossings: record crossings without scoring them (outbound crossings, backfills), so
 * that later crossings' features see them. Each item is validated on its own: valid items are
 * recorded together in one durable transaction, invalid ones are reported by index with messages
 * that name the field, and recorded nothing.
 */
const itemResultSchema = z
  .discriminatedUnion('status', [
    z.object({ index: z.number().int(), status: z.literal('recorded') }),
    z.object({
      index: z.number().int(),
      status: z.literal('rejected'),
      errors: z.array(z.string()).describe('What is wrong with this item, naming the field, e.g. "crossings.3.port: must be a 4-digit port code"'),
    }),
  ])
  .meta({ id: 'CrossingItemResult' });

export const crossingsReplySchema = z
  .object({
    recorded: z.number().int().describe('Items recorded'),
    rejected: z.number().int().describe('Items refused; nothing of them was recorded'),
    results: z.array(itemResultSchema).describe('One per item, in request order'),
  })
  .meta({ id: 'CrossingsReply' });

export type CrossingsReply = z.infer<typeof crossingsReplySchema>;

export interface CrossingsRouteOptions {
  readonly clock: () => number;
  readonly maxItems: number;
  readonly idempotency: Idempotency;
  /** The service's body limit: this route takes at least CROSSING_BYTES per allowed item. */
  readonly bodyLimit: number;
}

/**
 * Room per crossing in a batch: a typical event is about 600 bytes of JSON, one with 15 occupants
 * and every optional field about 3 KiB. Without its own limit the route shared the service's
 * 64 KiB, which refused batches past about 110 crossings of the 1,000 allowed.
 */
export const CROSSING_BYTES = 4096;

export default fp<CrossingsRouteOptions>(
  async (fastify, options) => {
    const itemSchema = crossingEventSchema(options.clock);
    const bodySchema = z.strictObject({
      crossings: z
        .array(z.unknown().describe('A CrossingEvent, inbound or outbound'))
        .min(1, { error: 'at least one crossing is required' })
        .max(options.maxItems, { error: `at most ${options.maxItems} crossings per request are allowed` })
        .describe('Crossings to record; each is validated on its own'),
    });

    fastify.withTypeProvider<ZodTypeProvider>().post(
      '/v1/crossings',
      {
        config: { roles: ['officer'], limitInFlight: true },
        bodyLimit: Math.max(options.bodyLimit, options.maxItems * CROSSING_BYTES),
        schema: {
          summary: 'Record crossings without scoring them',
          description:
            'For outbound crossings and backfills. Valid items are recorded in one durable transaction; invalid items are ' +
            'reported by index and recorded nothing. A 200 means the valid items are on disk.',
          tags: ['officer'],
          headers: writeHeaders,
          body: bodySchema,
          response: { 200: crossingsReplySchema, ...errorResponses(...BODY_ERRORS, ...COMMON_ERRORS, 422) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const valid: CrossingEvent[] = [];
        const results: CrossingsReply['results'] = request.body.crossings.map((item, index) => {
          const parsed = itemSchema.safeParse(item);
          if (parsed.success) {
            valid.push(parsed.data);
            return { index, status: 'recorded' as const };
          }
          return { index, status: 'rejected' as const, errors: formatIssues(parsed.error.issues, { prefix: ['crossings', index], input: item }) };
        });
        const body: CrossingsReply = { recorded: valid.length, rejected: results.length - valid.length, results };
        const result = await options.idempotency.run(`${principal.tokenId}:crossings`, request.headers['idempotency-key'], request.body, async (claim) => {
          const records = valid.map((event) => toCrossingRecord(event, fastify.storage.hasher));
          await fastify.storage.decisionLog.appendCrossings(records, claim && (() => ({ claim, statusCode: 200, body })));
          return { statusCode: 200, body };
        });
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(200).send(result.body as CrossingsReply);
      },
    );
  },
  { name: 'crossings-route', fastify: '5.x', dependencies: ['auth', 'storage', 'overload'] },
);
