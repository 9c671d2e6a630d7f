import fp from 'fastify-plugin';
import { PortBudgets } from './budget-threshold.ts';
import type { UniformSource } from './random-selection.ts';
import { createReferralService, type ReferralService } from './referral-service.ts';

/**
 * Composes the scoring capability from the store, the model and the configuration, and keeps the
 * in-memory state that follows committed decisions: the per-port budget windows (refilled from
 * the decision log at start, so a restart keeps the same thresholds) and the decision counters.
 */
declare module 'fastify' {
  interface FastifyInstance {
    referral: ReferralService;
    budgets: PortBudgets;
  }
}

export interface ReferralPluginOptions {
  readonly budgets: ReadonlyMap<string, number>;
  readonly budgetWindow: number;
  readonly randomReferralRate: number;
  readonly uniform: UniformSource;
  readonly clock: () => number;
  /** Decision ids (decision-id.ts createIdSource). */
  readonly newId: (nowMs: number) => string;
}

export default fp<ReferralPluginOptions>(
  async (fastify, options) => {
    const { storage, model, metrics } = fastify;
    // A budget's window holds the production model's own scores only: another model's (before a
    // change of MODEL_VERSION) are on another scale, and would set this one's threshold. A new model
    // therefore starts on its card's threshold until its window is long enough (MIN_BUDGET_WINDOW).
    const budgets = new PortBudgets(options.budgets, options.budgetWindow);
    for (const [port, scores] of storage.decisions.recentScores(budgets.budgetedPorts(), options.budgetWindow, model.version)) {
      for (const score of scores) budgets.observe(port, score);
    }

    storage.decisionLog.onCommitted((batch) => {
      for (const d of batch.decisions) {
        if (d.modelVersion === model.version) budgets.observe(d.port, d.score);
        metrics.score.labels(d.modelVersion).observe(d.score);
        metrics.decisions.labels(d.port, d.modelVersion).inc();
        if (d.recommendation === 'refer') metrics.referrals.labels(d.port, d.selection, d.modelVersion).inc();
      }
      for (const o of batch.outcomes) {
        const result = o.outcome.result ?? 'not_inspected';
        metrics.outcomes.labels(result, o.superseded === null ? 'false' : 'true').inc();
      }
    });

    fastify.decorate('budgets', budgets);
    fastify.decorate(
      'referral',
      createReferralService({
        hasher: storage.hasher,
        history: storage.history,
        decisionLog: storage.decisionLog,
        model,
        budgets,
        uniform: options.uniform,
        clock: options.clock,
        randomReferralRate: options.randomReferralRate,
        newId: options.newId,
      }),
    );
  },
  { name: 'referral', fastify: '5.x', dependencies: ['storage', 'model', 'metrics'] },
);
