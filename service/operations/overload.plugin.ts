import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import { HttpError } from '../http/errors.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/**
 * Shedding instead of queueing without bound, two ways:
 * - routes marked `config: { limitInFlight: true }` (the write routes) admit at most
 *   `maxInFlight` requests at once; the next gets 503 with Retry-After at once, before any work;
 * - @fastify/under-pressure refuses every non-probe route with 503 and Retry-After while the
 *   event loop's mean delay exceeds `maxEventLoopDelayMs` (the process is saturated).
 * Probes answer regardless, so an orchestrator sees "alive, overloaded", not "dead".
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    limitInFlight?: boolean;
    /** @fastify/under-pressure's per-route handler; returning nothing lets the request through. */
    pressureHandler?: () => void;
  }
  interface FastifyRequest {
    countedInFlight: boolean;
  }
}

/** Route config for probes: answered even while the process is saturated. */
export const ANSWER_UNDER_PRESSURE = { pressureHandler: (): void => undefined } as const;

export interface OverloadOptions {
  readonly maxInFlight: number;
  readonly maxEventLoopDelayMs: number;
  readonly retryAfterSeconds?: number;
  readonly metrics: ServiceMetrics;
}

export default fp<OverloadOptions>(
  async (fastify, options) => {
    const retryAfter = options.retryAfterSeconds ?? 1;
    await fastify.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      retryAfter,
      message: 'the service is overloaded; retry after the Retry-After delay',
    });

    let inFlight = 0;
    fastify.decorateRequest('countedInFlight', false);
    fastify.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.limitInFlight !== true) return;
      if (inFlight >= options.maxInFlight) {
        options.metrics.shed.inc();
        throw new HttpError(503, `too many requests in flight (${options.maxInFlight}); retry after ${retryAfter} s`, undefined, {
          'retry-after': String(retryAfter),
        });
      }
      inFlight++;
      request.countedInFlight = true;
    });
    const release = async (request: { countedInFlight: boolean }): Promise<void> => {
      if (!request.countedInFlight) return;
      request.countedInFlight = false;
      inFlight--;
    };
    fastify.addHook('onResponse', release);
    // A request whose client went away never gets onResponse.
    fastify.addHook('onRequestAbort', release);
  },
  { name: 'overload', fastify: '5.x', dependencies: ['error-handler'] },
);
