import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { crossingEventSchema } from '../../features/crossing-event.schema.ts';
import { FEATURE_SPEC_SUMMARY } from '../../features/feature-spec.ts';
import { principalOf } from '../auth/auth.plugin.ts';
import type { DecisionRecord } from '../decisions/decision-record.ts';
import { BODY_ERRORS, COMMON_ERRORS, errorResponses } from '../http/errors.ts';
import { writeHeaders } from '../http/headers.ts';
import type { Idempotency } from '../idempotency/idempotency.ts';
import { modelRecommendationOf } from './decide.ts';

export const reasonSchema = z
  .object({
    feature: z.string().describe('Reason group: a feature name, or a group such as lane, registration, hourOfDay'),
    value: z.number().describe("The value of the group's main feature for this crossing"),
    contribution: z
      .number()
      .describe('Score minus the score with this group at its training median (occlusion); positive raises the score'),
    sentence: z.string().describe('What the officer reads, e.g. "3 crossings by this vehicle in the last 24 hours"'),
  })
  .meta({ id: 'Reason' });

export const scoreReplySchema = z
  .object({
    decisionId: z.string().describe('UUID v7 of the recorded decision; quote it when recording the outcome'),
    decidedAt: z.iso.datetime().describe('When the service decided (service clock, UTC)'),
    score: z.number().min(0).max(1).describe('Model probability that a secondary inspection finds contraband'),
    recommendation: z.enum(['refer', 'release']).describe('Advisory: the officer decides'),
    selection: z
      .enum(['model', 'random', 'none'])
      .describe('Why refer: the model (score >= threshold) or random selection (for unbiased measurement); none when released. random wins when both apply: see modelRecommendation'),
    modelRecommendation: z
      .enum(['refer', 'release'])
      .describe('What the model alone recommends (score >= threshold): refer on a random selection means the model flags the crossing too'),
    threshold: z.number().describe('The threshold the score was compared with'),
    thresholdSource: z.enum(['model_card', 'port_budget']).describe("The model card's threshold, or the port's referral budget"),
    reasons: z.array(reasonSchema).max(3).describe("Up to three reasons for the model's side of the threshold, strongest first"),
    model: z.object({ version: z.string().describe('Model version that scored') }),
    featureSpec: z.object({
      version: z.number().int(),
      hash: z.string().describe('sha256 of the feature spec the model was trained on'),
    }),
  })
  .meta({ id: 'ScoreReply' });

export type ScoreReply = z.infer<typeof scoreReplySchema>;

export function scoreReply(d: DecisionRecord): ScoreReply {
  return {
    decisionId: d.id,
    decidedAt: new Date(d.decidedAt).toISOString(),
    score: d.score,
    recommendation: d.recommendation,
    selection: d.selection,
    modelRecommendation: d.modelRecommendation,
    threshold: d.threshold,
    thresholdSource: d.thresholdSource,
    reasons: d.reasons.map((r) => ({ ...r })),
    model: { version: d.modelVersion },
    featureSpec: { version: FEATURE_SPEC_SUMMARY.version, hash: d.featureSpecHash },
  };
}

/** A reply stored before replies carried modelRecommendation (a replay): derived as decide.ts decides it. */
function withModelRecommendation(body: ScoreReply): ScoreReply {
  if ((body as Partial<ScoreReply>).modelRecommendation !== undefined) return body;
  return { ...body, modelRecommendation: modelRecommendationOf(body.score, body.threshold) };
}

export interface ScoreRouteOptions {
  readonly clock: () => number;
  readonly idempotency: Idempotency;
}

/** Inbound only: outbound crossings are recorded, not scored. */
export function scoreRequestSchema(clock: () => number) {
  return crossingEventSchema(clock).refine((event) => event.direction === 'inbound', {
    path: ['direction'],
    message: 'must be "inbound": only inbound crossings are scored; record outbound ones with POST /v1/crossings',
  });
}

export default fp<ScoreRouteOptions>(
  async (fastify, options) => {
    fastify.withTypeProvider<ZodTypeProvider>().post(
      '/v1/score',
      {
        config: { roles: ['officer'], limitInFlight: true },
        schema: {
          summary: 'Score an inbound crossing',
          description:
            'Validates the crossing, computes its features from the history strictly before its timestamp, scores it with the ' +
            'production model, decides refer or release (threshold or port budget, plus random selection), explains it, and ' +
            'records the decision and the crossing durably before replying. A 200 means the decision is on disk.',
          tags: ['officer'],
          headers: writeHeaders,
          body: scoreRequestSchema(options.clock),
          response: { 200: scoreReplySchema, ...errorResponses(...BODY_ERRORS, ...COMMON_ERRORS, 422) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const caller = { officerId: request.headers['x-officer-id'] ?? principal.name, tokenId: principal.tokenId };
        const result = await options.idempotency.run(`${principal.tokenId}:score`, request.headers['idempotency-key'], request.body, async (claim) => {
          const decision = await fastify.referral.score(
            request.body,
            caller,
            claim && ((applied) => ({ claim, statusCode: 200, body: scoreReply(applied.decision) })),
          );
          return { statusCode: 200, body: scoreReply(decision) };
        });
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(200).send(withModelRecommendation(result.body as ScoreReply));
      },
    );
  },
  { name: 'score-route', fastify: '5.x', dependencies: ['auth', 'referral', 'overload'] },
);
