import fp from 'fastify-plugin';
import { createAggregateReader } from './aggregate-reader.ts';
import { createAggregateWriter } from './aggregate-writer.ts';
import { createCardCatalog } from './card-catalog.ts';
import { registerMonitoringMetrics } from './monitoring-metrics.ts';
import monitoringRoutes from './monitoring.route.ts';
import { createWorkerFairnessRunner } from './fairness-runner.ts';
import { createMonitoringService } from './monitoring-service.ts';
import { catchUp } from './rebuild.ts';

/**
 * Monitoring: keeps the aggregates (003-monitoring.sql) in step with the decision log, and answers
 * the oversight reports from them.
 * - At start, the aggregates catch up with the log from its raw rows (rebuild.ts): the cells that
 *   were pending at the last stop, or everything for a database from before monitoring.
 * - The aggregate writer joins every decision-log batch's transaction (addBatchWriter) and learns of
 *   each COMMIT (onCommitted); it writes the cells behind, a flush every second or 2000 cells
 *   (aggregate-writer.ts), and the reports add what is pending.
 * - `fastify.monitoring` is the reporting capability; the routes, /metrics gauges and dashboards
 *   call it. `fastify.monitoringAggregates.flush()` writes the pending cells now (shutdown, tests).
 *
 * Register after the storage and model plugins (it reads the production model's card):
 *   await app.register(monitoringPlugin, { clock, modelsDir: config.MODELS_DIR });
 */
export interface MonitoringPluginOptions {
  readonly clock: () => number;
  /** Where cards of other model versions (shadow, canary, earlier) are found. */
  readonly modelsDir?: string;
  /** Rolling window of the /metrics gauges, days (default 7). */
  readonly rollingDays?: number;
  /** Write-behind bounds (aggregate-writer.ts); 0 writes every batch's cells in its own transaction. */
  readonly maxPendingCells?: number;
  readonly maxPendingMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    monitoringAggregates: { flush(): void; pendingCells(): number };
  }
}

export default fp<MonitoringPluginOptions>(
  async (fastify, options) => {
    const { storage, model } = fastify;
    const catalog = createCardCatalog({ modelsDir: options.modelsDir, cards: [model.card], clock: options.clock });
    const writer = createAggregateWriter({
      db: storage.databases.write,
      layoutFor: (version) => catalog.layout(version),
      onProblem: (message) => fastify.log.warn(message),
      maxPendingCells: options.maxPendingCells,
      maxPendingMs: options.maxPendingMs,
    });

    const started = Date.now();
    const replayed = catchUp(storage.databases.write, writer, { clock: options.clock });
    if (replayed.decisions + replayed.outcomes > 0) {
      fastify.log.info({ ...replayed, seconds: (Date.now() - started) / 1000 }, 'monitoring aggregates caught up with the decision log');
    }
    storage.decisionLog.addBatchWriter(writer);
    storage.decisionLog.onCommitted((batch) => writer.committed(batch));
    fastify.decorate('monitoringAggregates', { flush: () => writer.flush(), pendingCells: () => writer.pending().size() });
    fastify.addHook('onClose', async () => {
      // Saves the next start a replay; if the log is still writing, the replay will do.
      try {
        if (storage.decisionLog.pending() === 0) writer.flush();
      } catch (error) {
        fastify.log.warn({ err: error }, 'monitoring: pending aggregates not flushed at close; they are replayed at the next start');
      }
    });

    const fairnessRunner = createWorkerFairnessRunner();
    fastify.addHook('onClose', () => fairnessRunner.close());
    const monitoring = createMonitoringService({
      reader: createAggregateReader(storage.databases.read, () => writer.pending()),
      catalog,
      clock: options.clock,
      productionVersion: () => model.version,
      fairnessRunner,
    });
    fastify.decorate('monitoring', monitoring);
    registerMonitoringMetrics({ registry: fastify.metrics.registry, monitoring, rollingDays: options.rollingDays, clock: options.clock });
    await fastify.register(monitoringRoutes, { clock: options.clock });
  },
  { name: 'monitoring', fastify: '5.x', dependencies: ['auth', 'metrics', 'storage', 'model'] },
);
