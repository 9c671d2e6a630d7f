import fp from 'fastify-plugin';
import type { ServiceMetrics } from './service-metrics.ts';

/**
 * Request latency for every route, and GET /metrics (Prometheus text, role scraper or admin).
 * The route label is the route's pattern (`/v1/decisions/:id`), never the URL, so ids and query
 * strings do not become label values.
 */
declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

export default fp<{ metrics: ServiceMetrics }>(
  async (fastify, options) => {
    const { metrics } = options;
    fastify.decorate('metrics', metrics);

    fastify.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequestDuration.labels(request.method, route, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
    });

    fastify.get(
      '/metrics',
      {
        config: { roles: ['scraper', 'admin'] },
        schema: { hide: true },
      },
      async (_request, reply) => {
        const text = await metrics.registry.metrics();
        return reply.type(metrics.registry.contentType).send(text);
      },
    );
  },
  { name: 'metrics', fastify: '5.x', dependencies: ['auth'] },
);
