import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, in a registry of its own (no process-global registry, so two
 * apps in one test process do not collide). Other plugins (monitoring) add theirs to `registry`.
 */
export function createServiceMetrics(options: { collectProcessMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request latency from arrival to reply, by method, route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const score = new Histogram({
    name: 'referral_score',
    help: 'Model scores of scored crossings, by model version',
    labelNames: ['model_version'] as const,
    buckets: [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'referral_decisions_total',
    help: 'Scored crossings, by port and model version',
    labelNames: ['port', 'model_version'] as const,
    registers: [registry],
  });
  const referrals = new Counter({
    name: 'referral_referrals_total',
    help: 'Crossings recommended for referral, by port, selection (model or random) and model version',
    labelNames: ['port', 'selection', 'model_version'] as const,
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'referral_outcomes_total',
    help: 'Outcomes recorded, by result (seizure, no_seizure, not_inspected) and whether they correct an earlier one',
    labelNames: ['result', 'correction'] as const,
    registers: [registry],
  });
  const crossingsRecorded = new Counter({
    name: 'referral_crossings_recorded_total',
    help: 'Crossings recorded in the history store (scored and unscored)',
    registers: [registry],
  });
  const modelInfo = new Gauge({
    name: 'referral_model_info',
    help: 'The loaded production model: 1 for its version and feature spec hash',
    labelNames: ['version', 'feature_spec_hash'] as const,
    registers: [registry],
  });
  const modelLoadedAt = new Gauge({
    name: 'referral_model_loaded_timestamp_seconds',
    help: 'When the production model was loaded and warmed',
    registers: [registry],
  });
  const commitBatchSize = new Histogram({
    name: 'referral_decision_log_batch_size',
    help: 'Writes per group commit of the decision log',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const commitDuration = new Histogram({
    name: 'referral_decision_log_commit_seconds',
    help: 'Time from the start of a decision log batch to its being durable (commit and fsync)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25],
    registers: [registry],
  });
  const walFrames = new Gauge({
    name: 'referral_wal_frames',
    help: 'Pages in the SQLite write-ahead log at the last background checkpoint',
    registers: [registry],
  });
  const shed = new Counter({
    name: 'referral_requests_shed_total',
    help: 'Requests refused with 503 because too many were in flight',
    registers: [registry],
  });

  return {
    registry,
    httpRequestDuration,
    score,
    decisions,
    referrals,
    outcomes,
    crossingsRecorded,
    modelInfo,
    modelLoadedAt,
    commitBatchSize,
    commitDuration,
    walFrames,
    shed,
  };
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;
