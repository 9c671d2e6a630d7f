import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { modelCardSchema } from '../../models/model-card.ts';
import { COMMON_ERRORS, errorResponses } from '../http/errors.ts';
import { DASHBOARD_ROLES } from './sessions.ts';

/**
 * GET /dashboard/api/model: the production model as the service loaded it (its card, version and
 * load time) and the referral policy in force (threshold, per-port budgets, random selection rate),
 * for the Models page and for the budget line of the Accuracy page. Read with a bearer token or a
 * dashboard session.
 */

export const loadedModelSchema = z
  .object({
    version: z.string().describe('The production model version'),
    loadedAt: z.iso.datetime().describe('When this process loaded and warmed it'),
    card: modelCardSchema.describe('Its card.json'),
    policy: z.object({
      threshold: z.number().describe("The card's threshold: scores at or above it are recommended for referral where no port budget applies"),
      targetReferralRate: z.number().describe('The holdout referral rate the threshold was chosen to meet'),
      budgets: z
        .array(z.object({ port: z.string(), budget: z.number().describe('Share of scored crossings the model may recommend') }))
        .describe('Per-port referral budgets (REFERRAL_BUDGETS); empty when none'),
      randomReferralRate: z.number().describe('Probability that a scored crossing is selected at random (RANDOM_REFERRAL_RATE)'),
    }),
  })
  .meta({ id: 'LoadedModel' });

export type LoadedModel = z.infer<typeof loadedModelSchema>;

export interface ModelRouteOptions {
  readonly budgets: ReadonlyMap<string, number>;
  readonly randomReferralRate: number;
}

export function registerModelRoute(fastify: FastifyInstance, options: ModelRouteOptions): void {
  const budgets = [...options.budgets].map(([port, budget]) => ({ port, budget })).sort((a, b) => a.port.localeCompare(b.port));
  fastify.withTypeProvider<ZodTypeProvider>().get(
    '/dashboard/api/model',
    {
      config: { roles: DASHBOARD_ROLES },
      schema: {
        summary: 'The production model: card, version, load time, and the referral policy in force',
        tags: ['oversight'],
        response: { 200: loadedModelSchema, ...errorResponses(...COMMON_ERRORS) },
      },
    },
    async (): Promise<LoadedModel> => {
      const { model } = fastify;
      return {
        version: model.version,
        loadedAt: model.loadedAt.toISOString(),
        card: model.card,
        policy: {
          threshold: model.card.decision.threshold,
          targetReferralRate: model.card.decision.targetReferralRate,
          budgets,
          randomReferralRate: options.randomReferralRate,
        },
      };
    },
  );
}
