import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * OpenAPI 3.1 generated from the routes' zod schemas (fastify-type-provider-zod), served as JSON at
 * /docs/json and as Swagger UI at /docs. The UI's scripts and styles come from the
 * @fastify/swagger-ui package itself: nothing is fetched from a CDN (ports are often air-gapped).
 * Must be registered before the routes, so their schemas are collected.
 */
export default fp(
  async (fastify) => {
    await fastify.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'secondary-referral',
          version: '1',
          description:
            'Advisory secondary-inspection referral scoring for land ports of entry. Officers decide; the service records ' +
            'what it recommended, why, and what inspections found. Authenticate with `Authorization: Bearer <token>` ' +
            '(tokens: `npm run token -- create --role officer --name console-12`).',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
        tags: [
          { name: 'officer', description: 'Officer consoles' },
          { name: 'oversight', description: 'Oversight staff' },
          { name: 'operations', description: 'Probes' },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'docs', fastify: '5.x', dependencies: ['auth'] },
);
