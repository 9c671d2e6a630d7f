import fp from 'fastify-plugin';
import { REASON_GROUPS } from '../../features/feature-spec.ts';
import { loadModel } from '../../models/load-model.ts';
import { ModelContractError } from '../../models/model-contract.ts';
import type { ModelCard } from '../../models/model-card.ts';
import { resolveModelVersion } from '../../models/registry.ts';
import { createScorer, type Scorer } from '../../models/scorer.ts';
import { occlusionRows } from './explain.ts';

/**
 * The production model: MODEL_VERSION in the MODELS_DIR registry (a card's version, or a folder
 * name such as `default`; models/registry.ts), loaded with the model contract checks of
 * models/load-model.ts (a card or file that breaks the contract stops the start with a message
 * naming both values), then warmed with one run of the exact shape /v1/score sends (the card's
 * baseline and its occlusions), so the first officer does not pay onnxruntime's first-run cost.
 * `/health/ready` turns true only after that.
 */
export interface ProductionModel {
  readonly version: string;
  readonly card: ModelCard;
  readonly scorer: Scorer;
  readonly loadedAt: Date;
  readonly warmed: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    model: ProductionModel;
  }
}

export interface ModelPluginOptions {
  readonly modelsDir: string;
  readonly version: string;
}

export default fp<ModelPluginOptions>(
  async (fastify, options) => {
    // Named by the variables that chose the model, so an operator knows what to change.
    const where = `MODELS_DIR=${options.modelsDir}, MODEL_VERSION=${options.version}`;
    let dir: string;
    let loaded: Awaited<ReturnType<typeof loadModel>>;
    try {
      dir = (await resolveModelVersion(options.modelsDir, options.version)).dir;
      loaded = await loadModel(dir);
    } catch (error) {
      throw error instanceof ModelContractError ? new ModelContractError(`${where}: ${error.message}`) : error;
    }
    const scorer = createScorer({ session: loaded.session, card: loaded.card });
    const baseline = Float32Array.from(loaded.card.reference.baseline);
    await scorer.score(occlusionRows(baseline, loaded.card.reference.baseline, REASON_GROUPS), 1 + REASON_GROUPS.length);
    const model: ProductionModel = { version: scorer.version, card: loaded.card, scorer, loadedAt: new Date(), warmed: true };
    fastify.decorate('model', model);
    fastify.metrics.modelInfo.labels(model.version, loaded.card.featureSpec.hash).set(1);
    fastify.metrics.modelLoadedAt.set(model.loadedAt.getTime() / 1000);
    fastify.log.info({ model: model.version, dir, threshold: loaded.card.decision.threshold }, 'model loaded and warmed');

    fastify.addHook('onClose', async () => {
      await loaded.session.release();
    });
  },
  { name: 'model', fastify: '5.x', dependencies: ['metrics'] },
);
