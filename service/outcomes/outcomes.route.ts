import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isoTimestampWithOffset, MAX_FUTURE_SKEW_MS } from '../../features/crossing-event.schema.ts';
import { principalOf } from '../auth/auth.plugin.ts';
import { DECISION_ID_PATTERN } from '../decisions/decision-id.ts';
import { UnknownDecisionError, type AppliedOutcome } from '../decisions/decision-log.ts';
import { INSPECTION_RESULTS, OUTCOME_REASONS, QUANTITY_UNITS, SEIZURE_CATEGORIES } from '../decisions/decision-record.ts';
import { BODY_ERRORS, COMMON_ERRORS, errorResponses, HttpError } from '../http/errors.ts';
import { writeHeaders } from '../http/headers.ts';
import type { Idempotency } from '../idempotency/idempotency.ts';

/**
 * POST /v1/outcomes: what the officer did about a decision and, when inspected, what was found.
 * Append-only: a second report for the same decision is a correction that supersedes the first
 * (the reply says which). Referrals and seizures become history facts (outcome-facts.ts), so later
 * crossings of the same vehicle and travelers see them; a correction withdraws what it contradicts.
 */
export const decisionIdSchema = z
  .string()
  .regex(DECISION_ID_PATTERN, { error: 'must be a decision id as /v1/score returned it (a UUID v7)' })
  .describe('The decisionId /v1/score returned');

/** The units that measure each category (other: any); a seizure of currency in kg is a typing slip. */
const UNITS_OF: Readonly<Partial<Record<(typeof SEIZURE_CATEGORIES)[number], readonly (typeof QUANTITY_UNITS)[number][]>>> = {
  fentanyl: ['g', 'kg', 'lb', 'count'],
  methamphetamine: ['g', 'kg', 'lb', 'count'],
  cocaine: ['g', 'kg', 'lb', 'count'],
  heroin: ['g', 'kg', 'lb', 'count'],
  marijuana: ['g', 'kg', 'lb', 'count'],
  currency: ['usd'],
  weapons: ['count'],
};

const itemSchema = z
  .strictObject({
    category: z.enum(SEIZURE_CATEGORIES),
    quantity: z.number().positive({ error: 'must be greater than 0' }).max(1e9).describe('Amount, in `unit`'),
    unit: z.enum(QUANTITY_UNITS).describe('g, kg, lb (or count, for pills) for substances; usd for currency; count for weapons; any for other'),
  })
  .superRefine((item, context) => {
    const units = UNITS_OF[item.category];
    if (units !== undefined && !units.includes(item.unit)) {
      context.addIssue({ code: 'custom', path: ['unit'], message: `must be ${units.join(', ')} for ${item.category}` });
    }
  })
  .meta({ id: 'SeizedItem' });

export function outcomeRequestSchema(clock: () => number) {
  return z
    .strictObject({
      decisionId: decisionIdSchema,
      referred: z.boolean().describe('Whether the vehicle was sent to secondary inspection'),
      reason: z
        .enum(OUTCOME_REASONS)
        .optional()
        .describe('Why it was referred: the model recommended it, random selection, or the officer on their own judgement. Required when referred'),
      result: z.enum(INSPECTION_RESULTS).optional().describe('The inspection result, once known; only when referred'),
      items: z.array(itemSchema).max(50, { error: 'at most 50 items are allowed' }).optional().describe('What was seized; required with result seizure'),
      observedAt: isoTimestampWithOffset
        .optional()
        .describe('When the action or result happened; defaults to now. Kept for the record only: later crossings see the facts from recordedAt, when the service records the report, not from this instant'),
    })
    .superRefine((o, ctx) => {
      const issue = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
      if (o.referred && o.reason === undefined) issue('reason', 'is required when referred is true');
      if (!o.referred && o.reason !== undefined) issue('reason', 'is only allowed when referred is true');
      if (!o.referred && o.result !== undefined) issue('result', 'is only allowed when referred is true');
      if (o.result === 'seizure' && (o.items ?? []).length === 0) issue('items', 'at least one item is required when result is seizure');
      if (o.result !== 'seizure' && (o.items ?? []).length > 0) issue('items', 'are only allowed when result is seizure');
      if (o.observedAt !== undefined && Date.parse(o.observedAt) > clock() + MAX_FUTURE_SKEW_MS) {
        issue('observedAt', 'must not be more than 5 minutes in the future');
      }
    })
    .meta({ id: 'OutcomeReport' });
}

export const outcomeReplySchema = z
  .object({
    outcomeId: z.string().describe('UUID v7 of this outcome record'),
    decisionId: z.string(),
    recordedAt: z.iso.datetime().describe('When the service recorded it'),
    observedAt: z.iso.datetime().describe('When it happened'),
    supersedes: z.string().nullable().describe('The outcome this one corrects, or null for the first report'),
  })
  .meta({ id: 'OutcomeReply' });

export type OutcomeReply = z.infer<typeof outcomeReplySchema>;

function outcomeReply(applied: AppliedOutcome): OutcomeReply {
  const o = applied.outcome;
  return {
    outcomeId: o.id,
    decisionId: o.decisionId,
    recordedAt: new Date(o.recordedAt).toISOString(),
    observedAt: new Date(o.observedAt).toISOString(),
    supersedes: o.supersedes,
  };
}

export interface OutcomesRouteOptions {
  readonly clock: () => number;
  readonly newId: (nowMs: number) => string;
  readonly idempotency: Idempotency;
}

export default fp<OutcomesRouteOptions>(
  async (fastify, options) => {
    fastify.withTypeProvider<ZodTypeProvider>().post(
      '/v1/outcomes',
      {
        config: { roles: ['officer'], limitInFlight: true },
        schema: {
          summary: 'Record the officer action and inspection result for a decision',
          description:
            'Append-only. A second report for a decision corrects the first (supersedes). Referrals and seizures are recorded ' +
            'as history facts that later crossings of this vehicle and these travelers see. A 200 means the outcome is on disk.',
          tags: ['officer'],
          headers: writeHeaders,
          body: outcomeRequestSchema(options.clock),
          response: { 200: outcomeReplySchema, ...errorResponses(...BODY_ERRORS, ...COMMON_ERRORS, 404, 422) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const body = request.body;
        const decision = fastify.storage.decisions.findDecision(body.decisionId);
        if (decision === undefined) throw new HttpError(404, `decisionId: decision ${body.decisionId} not found`);
        const recordedAt = options.clock();
        const observedAt = body.observedAt === undefined ? recordedAt : Date.parse(body.observedAt);
        if (observedAt < decision.crossingAt) {
          throw new HttpError(400, `observedAt: must not be before the crossing (${new Date(decision.crossingAt).toISOString()})`);
        }
        const result = await options.idempotency.run(`${principal.tokenId}:outcomes`, request.headers['idempotency-key'], body, async (claim) => {
          try {
            const applied = await fastify.storage.decisionLog.appendOutcome(
              {
                id: options.newId(recordedAt),
                decisionId: body.decisionId,
                recordedAt,
                observedAt,
                referred: body.referred,
                reason: body.reason ?? null,
                result: body.result ?? null,
                items: body.items ?? [],
                officerId: request.headers['x-officer-id'] ?? principal.name,
                tokenId: principal.tokenId,
              },
              claim && ((done) => ({ claim, statusCode: 200, body: outcomeReply(done) })),
            );
            return { statusCode: 200, body: outcomeReply(applied) };
          } catch (error) {
            if (error instanceof UnknownDecisionError) throw new HttpError(404, `decisionId: decision ${error.decisionId} not found`);
            throw error;
          }
        });
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(200).send(result.body as OutcomeReply);
      },
    );
  },
  { name: 'outcomes-route', fastify: '5.x', dependencies: ['auth', 'storage', 'overload'] },
);
