import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../http/errors.ts';
import { MIN_FREE_DISK_BYTES } from './disk-space.ts';
import { ANSWER_UNDER_PRESSURE } from './overload.plugin.ts';

/**
 * Probes, open to anyone and answered even under overload.
 * - /health/live: the process answers HTTP.
 * - /health/ready: the model is loaded and warmed (one inference ran), the store answers a query
 *   on the read connection, the decision log accepts writes, the service is not stopping, and the
 *   disk has room for writes (disk-space.ts). 503 with the failed checks otherwise.
 */
const liveSchema = z.object({ status: z.literal('live') }).meta({ id: 'Live' });

const readySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({
      model: z.boolean().describe('Loaded and warmed with one inference'),
      store: z.boolean().describe('The history store answered a query'),
      decisionLog: z.boolean().describe('The decision log accepts writes'),
      accepting: z.boolean().describe('Not stopping: requests other than the probes are accepted'),
      diskSpace: z.boolean().describe('At least 64 MiB free where the database lives: writes can land'),
    }),
    model: z.object({ version: z.string(), loadedAt: z.iso.datetime() }).optional(),
    crossings: z.number().int().optional().describe('Crossings in the history store'),
  })
  .meta({ id: 'Readiness' });

export interface HealthRoutesOptions {
  /** True once the service has begun to stop (SIGTERM): no longer ready, though in-flight requests finish. */
  readonly isStopping: () => boolean;
  /** Free bytes where the database lives (disk-space.ts). */
  readonly freeDiskBytes: () => Promise<number>;
}

export default fp<HealthRoutesOptions>(
  async (fastify, options) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const config = { public: true, ...ANSWER_UNDER_PRESSURE };
    // `security: []`: open, as the OpenAPI document must say (its default is the bearer token).

    app.get(
      '/health/live',
      { config, schema: { summary: 'Liveness probe', tags: ['operations'], security: [], response: { 200: liveSchema, ...errorResponses(500) } } },
      async () => ({ status: 'live' as const }),
    );

    app.get(
      '/health/ready',
      {
        config,
        schema: { summary: 'Readiness probe', tags: ['operations'], security: [], response: { 200: readySchema, 503: readySchema, ...errorResponses(500) } },
      },
      async (request, reply) => {
        let crossings: number | undefined;
        try {
          crossings = await fastify.storage.history.countCrossings();
        } catch (error) {
          request.log.error({ err: error }, 'readiness: the store did not answer');
        }
        let diskSpace = false;
        try {
          diskSpace = (await options.freeDiskBytes()) >= MIN_FREE_DISK_BYTES;
        } catch (error) {
          request.log.error({ err: error }, 'readiness: free disk space unknown');
        }
        const checks = {
          model: fastify.model.warmed,
          store: crossings !== undefined,
          decisionLog: fastify.storage.decisionLog.healthy(),
          accepting: !options.isStopping(),
          diskSpace,
        };
        const ready = checks.model && checks.store && checks.decisionLog && checks.accepting && checks.diskSpace;
        return reply.code(ready ? 200 : 503).send({
          status: ready ? 'ready' : 'not_ready',
          checks,
          model: { version: fastify.model.version, loadedAt: fastify.model.loadedAt.toISOString() },
          ...(crossings === undefined ? {} : { crossings }),
        });
      },
    );
  },
  { name: 'health-routes', fastify: '5.x', dependencies: ['auth', 'storage', 'model', 'overload'] },
);
