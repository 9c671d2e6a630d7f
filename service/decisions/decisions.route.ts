import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANES, SEX_VALUES } from '../../features/crossing-event.schema.ts';
import { FEATURE_SPEC_VERSION, featureValues } from '../../features/feature-spec.ts';
import { principalOf } from '../auth/auth.plugin.ts';
import { COMMON_ERRORS, errorResponses, HttpError } from '../http/errors.ts';
import { decisionIdSchema } from '../outcomes/outcomes.route.ts';
import { reasonSchema } from '../scoring/score.route.ts';
import { INSPECTION_RESULTS, OUTCOME_REASONS, QUANTITY_UNITS, SEIZURE_CATEGORIES } from './decision-record.ts';
import type { StoredDecision, StoredOutcome } from './decision-repository.ts';

/**
 * GET /v1/decisions/:id: one decision as recorded, with every outcome reported for it (oldest
 * first; the last is current). Oversight staff also see the occupants' audit attributes; officers
 * do not need them. Hashed identifiers are never returned.
 */
const outcomeViewSchema = z
  .object({
    outcomeId: z.string(),
    recordedAt: z.iso.datetime(),
    observedAt: z.iso.datetime(),
    referred: z.boolean(),
    reason: z.enum(OUTCOME_REASONS).nullable(),
    result: z.enum(INSPECTION_RESULTS).nullable(),
    items: z.array(z.object({ category: z.enum(SEIZURE_CATEGORIES), quantity: z.number(), unit: z.enum(QUANTITY_UNITS) })),
    supersedes: z.string().nullable().describe('The outcome this one corrected'),
    current: z.boolean().describe('True for the outcome in force (the latest)'),
    officerId: z.string(),
  })
  .meta({ id: 'OutcomeView' });

const occupantAuditSchema = z.object({
  role: z.enum(['driver', 'passenger']),
  sex: z.enum(SEX_VALUES).optional(),
  birthYear: z.number().int().optional(),
  citizenship: z.string().optional(),
});

export const decisionViewSchema = z
  .object({
    decisionId: z.string(),
    decidedAt: z.iso.datetime(),
    crossing: z.object({ at: z.iso.datetime(), utcOffsetMinutes: z.number().int(), port: z.string(), lane: z.enum(LANES) }),
    score: z.number(),
    threshold: z.number(),
    thresholdSource: z.enum(['model_card', 'port_budget']),
    recommendation: z.enum(['refer', 'release']),
    selection: z.enum(['model', 'random', 'none']),
    modelRecommendation: z.enum(['refer', 'release']).describe('What the model alone recommended (score >= threshold)'),
    randomlySelected: z.boolean(),
    randomReferralRate: z.number().describe('Probability of random selection in force'),
    referralPropensity: z.number().describe('P(recommended for referral | score): 1 or the random rate; weights are its inverse'),
    reasons: z.array(reasonSchema),
    model: z.object({ version: z.string() }),
    featureSpec: z.object({ version: z.number().int(), hash: z.string() }),
    features: z.record(z.string(), z.number()).describe('The feature vector the model saw, by name'),
    officerId: z.string(),
    audit: z.array(occupantAuditSchema).optional().describe('Occupants\u2019 audit attributes (oversight only)'),
    outcomes: z.array(outcomeViewSchema),
  })
  .meta({ id: 'DecisionView' });

export type DecisionView = z.infer<typeof decisionViewSchema>;

export function decisionView(d: StoredDecision, outcomes: readonly StoredOutcome[], withAudit: boolean): DecisionView {
  return {
    decisionId: d.id,
    decidedAt: new Date(d.decidedAt).toISOString(),
    crossing: { at: new Date(d.crossingAt).toISOString(), utcOffsetMinutes: d.utcOffsetMinutes, port: d.port, lane: d.lane },
    score: d.score,
    threshold: d.threshold,
    thresholdSource: d.thresholdSource,
    recommendation: d.recommendation,
    selection: d.selection,
    modelRecommendation: d.modelRecommendation,
    randomlySelected: d.randomlySelected,
    randomReferralRate: d.randomReferralRate,
    referralPropensity: d.referralPropensity,
    reasons: d.reasons.map((r) => ({ ...r })),
    model: { version: d.modelVersion },
    featureSpec: { version: FEATURE_SPEC_VERSION, hash: d.featureSpecHash },
    features: { ...featureValues(d.features) },
    officerId: d.officerId,
    ...(withAudit ? { audit: d.audit.map((a) => ({ ...a })) } : {}),
    outcomes: outcomes.map((o, i) => ({
      outcomeId: o.id,
      recordedAt: new Date(o.recordedAt).toISOString(),
      observedAt: new Date(o.observedAt).toISOString(),
      referred: o.referred,
      reason: o.reason,
      result: o.result,
      items: o.items.map((item) => ({ ...item })),
      supersedes: o.supersedes,
      current: i === outcomes.length - 1,
      officerId: o.officerId,
    })),
  };
}

export default fp(
  async (fastify) => {
    fastify.withTypeProvider<ZodTypeProvider>().get(
      '/v1/decisions/:id',
      {
        config: { roles: ['officer', 'oversight'] },
        schema: {
          summary: 'One decision with its outcomes',
          tags: ['officer', 'oversight'],
          params: z.object({ id: decisionIdSchema }),
          response: { 200: decisionViewSchema, ...errorResponses(400, 404, ...COMMON_ERRORS) },
        },
      },
      async (request) => {
        const decision = fastify.storage.decisions.findDecision(request.params.id);
        if (decision === undefined) throw new HttpError(404, `id: decision ${request.params.id} not found`);
        const outcomes = fastify.storage.decisions.outcomesOf(decision.id);
        return decisionView(decision, outcomes, principalOf(request).role === 'oversight');
      },
    );
  },
  { name: 'decisions-route', fastify: '5.x', dependencies: ['auth', 'storage'] },
);
