import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { resolveIdentifierKey, type Environment } from '../store/identifiers.ts';
import authPlugin from './auth/auth.plugin.ts';
import { createTokenRegistry, type TokenRegistry } from './auth/token-registry.ts';
import type { ServiceConfig } from './config.ts';
import crossingsRoute from './crossings/crossings.route.ts';
import dashboardPlugin from './dashboard/dashboard.plugin.ts';
import { createIdSource } from './decisions/decision-id.ts';
import decisionsRoute from './decisions/decisions.route.ts';
import docsPlugin from './http/docs.plugin.ts';
import errorHandler, { stoppingError } from './http/error-handler.plugin.ts';
import { createIdempotency } from './idempotency/idempotency.ts';
import monitoringPlugin from './monitoring/monitoring.plugin.ts';
import { RequestLogController } from './http/request-log.ts';
import { zodResponseSerializerCompiler } from './http/serializer.ts';
import { freeDiskBytes } from './operations/disk-space.ts';
import healthRoutes from './operations/health.route.ts';
import metricsPlugin from './operations/metrics.plugin.ts';
import overloadPlugin from './operations/overload.plugin.ts';
import { createServiceMetrics, type ServiceMetrics } from './operations/service-metrics.ts';
import outcomesRoute from './outcomes/outcomes.route.ts';
import modelPlugin from './scoring/model.plugin.ts';
import { createCryptoUniform, type UniformSource } from './scoring/random-selection.ts';
import referralPlugin from './scoring/referral.plugin.ts';
import scoreRoute from './scoring/score.route.ts';
import storagePlugin from './storage/storage.plugin.ts';

/**
 * The composition root, in tiers (fastify/demo src/app.ts):
 * 1. infrastructure: error handling and validation, auth, metrics, overload guard, docs, store;
 * 2. the model and the scoring capability built on it;
 * 3. the routes.
 * Side effects come in through `AppOptions` (clock, random source, environment), so tests build
 * the same app with a fixed clock. server.ts only starts it and closes it.
 */
export interface AppOptions {
  readonly config: ServiceConfig;
  /** For REFERRAL_ID_KEY and NODE_ENV (store/identifiers.ts resolves the key). */
  readonly env: Environment;
  readonly clock?: () => number;
  /** Random selection's source; cryptographic unless a test passes another. */
  readonly uniform?: UniformSource;
  /** Pino options, or false; default JSON logs at config.LOG_LEVEL. */
  readonly logger?: FastifyServerOptions['logger'];
  /** How often the tokens file is checked for changes; 0 disables (tests). */
  readonly tokenPollMs?: number;
  /** A failed COMMIT or fsync: the decision log stopped; server.ts exits so a supervisor restarts clean. */
  readonly onFatal?: (error: Error) => void;
  readonly collectProcessMetrics?: boolean;
  /** Free bytes where REFERRAL_DB lives, for readiness; statfs unless a test passes another. */
  readonly freeDiskBytes?: () => Promise<number>;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const clock = options.clock ?? Date.now;

  const app = Fastify({
    logger: options.logger ?? {
      level: config.LOG_LEVEL,
      // Bodies are never logged (they hold plates and document numbers); tokens and keys neither.
      redact: { paths: ['req.headers.authorization', 'req.headers["idempotency-key"]'], censor: '[redacted]' },
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    // A console may send its own X-Request-Id to correlate logs; anything odd is replaced.
    requestIdHeader: false,
    genReqId: (request) => {
      const sent = request.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
    },
    // Refused by the onRequest hook below instead, in the service's error format.
    return503OnClosing: false,
    logController: new RequestLogController(),
  });
  app.setSerializerCompiler(zodResponseSerializerCompiler);
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // A request on a kept-alive connection while in-flight ones drain (server.close() only stops
    // new connections). The probes still answer: live, and not ready (health.route.ts).
    if (stopping && !request.url.startsWith('/health/')) throw stoppingError();
  });

  // Tier 1: infrastructure.
  const metrics = createServiceMetrics({ collectProcessMetrics: options.collectProcessMetrics ?? true });
  const tokens = createTokenRegistry({
    path: config.REFERRAL_TOKENS_FILE,
    pollMs: options.tokenPollMs ?? 2000,
    onReload: (live) => app.log.info({ live }, 'tokens reloaded'),
    onReloadError: (error) => app.log.error({ err: error }, 'tokens file unreadable; keeping the previous tokens'),
  });
  app.addHook('onClose', async () => tokens.close());
  if (tokens.size() === 0) {
    app.log.warn(
      `no live API tokens in ${config.REFERRAL_TOKENS_FILE}: every route but /health and /docs answers 401. ` +
        'Create one with: npm run token -- create --role officer --name console-1',
    );
  }
  try {
    await composeApp(app, options, { clock, metrics, tokens, isStopping: () => stopping });
  } catch (error) {
    // Close what the tiers already opened (database connections, the model session, the token watcher).
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

async function composeApp(
  app: FastifyInstance,
  options: AppOptions,
  { clock, metrics, tokens, isStopping }: { clock: () => number; metrics: ServiceMetrics; tokens: TokenRegistry; isStopping: () => boolean },
): Promise<void> {
  const { config } = options;
  const newId = createIdSource();
  const identifierKey = resolveIdentifierKey(options.env, (message) => app.log.warn(message));

  await app.register(errorHandler, { bodyLimit: config.BODY_LIMIT_BYTES });
  await app.register(authPlugin, { tokens });
  await app.register(metricsPlugin, { metrics });
  await app.register(overloadPlugin, {
    maxInFlight: config.MAX_IN_FLIGHT,
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    metrics,
  });
  await app.register(docsPlugin);
  await app.register(storagePlugin, {
    path: config.REFERRAL_DB,
    fsync: config.DECISION_LOG_FSYNC,
    identifierKey,
    clock,
    onFatal: (error) => {
      app.log.fatal({ err: error }, 'decision log write failed (COMMIT or fsync): refusing further writes');
      options.onFatal?.(error);
    },
  });

  // Tier 2: the production model and the scoring capability.
  await app.register(modelPlugin, { modelsDir: config.MODELS_DIR, version: config.MODEL_VERSION });
  await app.register(referralPlugin, {
    budgets: config.REFERRAL_BUDGETS,
    budgetWindow: config.REFERRAL_BUDGET_WINDOW,
    randomReferralRate: config.RANDOM_REFERRAL_RATE,
    uniform: options.uniform ?? createCryptoUniform(),
    clock,
    newId,
  });

  // Tier 3: routes.
  const idempotency = createIdempotency({ repository: app.storage.decisions, fingerprintKey: identifierKey });
  await app.register(healthRoutes, { isStopping, freeDiskBytes: options.freeDiskBytes ?? (() => freeDiskBytes(config.REFERRAL_DB)) });
  await app.register(scoreRoute, { clock, idempotency });
  await app.register(crossingsRoute, { clock, idempotency, maxItems: config.CROSSINGS_BATCH_MAX, bodyLimit: config.BODY_LIMIT_BYTES });
  await app.register(outcomesRoute, { clock, idempotency, newId });
  await app.register(decisionsRoute);
  // Oversight: aggregates kept with every decision-log batch; /v1/monitoring/*, /v1/decisions/export, /metrics gauges.
  await app.register(monitoringPlugin, { clock, modelsDir: config.MODELS_DIR });
  // The dashboards (/dashboard/): pages, sign-in sessions, assets; they read the monitoring routes.
  await app.register(dashboardPlugin, { budgets: config.REFERRAL_BUDGETS, randomReferralRate: config.RANDOM_REFERRAL_RATE, clock });
}
