import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../features/feature-spec.ts';
import { createRandom, type Random } from '../../lib/random.ts';
import { referenceDistribution } from '../../metrics/drift.ts';
import type { ModelCard } from '../../models/model-card.ts';
import { buildApp } from '../../service/app.ts';
import type { Role } from '../../service/auth/roles.ts';
import { loadConfig } from '../../service/config.ts';
import type { OccupantAudit } from '../../service/decisions/decision-record.ts';
import type { CountedDecision, CountedOutcome } from '../../service/monitoring/decision-cells.ts';
import monitoringPlugin from '../../service/monitoring/monitoring.plugin.ts';
import type { UniformSource } from '../../service/scoring/random-selection.ts';
import { testServiceEnv, writeTokens } from './helpers/test-app.ts';
import { writeTestModel } from './helpers/test-model.ts';

/**
 * Monitoring test fixtures: the real app (real SQLite file, real ONNX model) whose model card has
 * real reference bins, and a generator of synthetic decisions with known ground truth.
 */

/**
 * The "training distribution" of the synthetic features: feature i is exponential with mean
 * 1 + (i mod 5). The card's reference bins come from a large sample of it, so decisions drawn from
 * it show no drift, and a shifted draw does.
 */
export function syntheticFeature(random: Random, i: number, shift = 0): number {
  return random.exponential(1 + (i % 5)) + shift;
}

/** Scores of the synthetic model: 0.3 u^4, mean 0.06; a crossing's contraband is Bernoulli(score), so the score is calibrated. */
export function syntheticScore(random: Random): number {
  return 0.3 * random.next() ** 4;
}

export function syntheticReference(seed = 99, sampleSize = 20_000): ModelCard['reference']['features'] {
  const random = createRandom(seed);
  return FEATURE_NAMES.map((name, i) => ({ name, ...referenceDistribution(Float64Array.from({ length: sampleSize }, () => syntheticFeature(random, i))) }));
}

export function syntheticScoreReference(seed = 98, sampleSize = 20_000): ModelCard['reference']['score'] {
  const random = createRandom(seed);
  return referenceDistribution(Float64Array.from({ length: sampleSize }, () => syntheticScore(random)));
}

/** `modelsDir/<version>` (the test model) with a card whose reference has real bins. */
export async function writeMonitoringModel(modelsDir: string, version = 'test-lr'): Promise<void> {
  const dir = await writeTestModel(modelsDir, version);
  const cardPath = join(dir, 'card.json');
  const card = JSON.parse(await readFile(cardPath, 'utf8')) as ModelCard;
  card.reference = { ...card.reference, features: syntheticReference(), score: syntheticScoreReference() };
  await writeFile(cardPath, JSON.stringify(card, null, 2));
}

export interface MonitoringTestApp {
  readonly app: FastifyInstance;
  readonly dir: string;
  auth(role: Role): { authorization: string };
  close(): Promise<void>;
}

/**
 * The service as `npm start` builds it (service/app.ts), with the monitoring plugin registered if
 * the app does not register it itself yet.
 */
export async function buildMonitoringTestApp(options: {
  clock: () => number;
  uniform?: UniformSource;
  env?: Record<string, string>;
  /** Open the folder of an earlier app (or a copy of it) instead of a new one; close() then leaves it. */
  dir?: string;
}): Promise<MonitoringTestApp> {
  const reuse = options.dir !== undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'referral-monitoring-')));
  const modelsDir = join(dir, 'models');
  const tokensFile = join(dir, 'tokens.json');
  let tokens: Record<Role, string>;
  if (reuse) tokens = JSON.parse(await readFile(join(dir, 'tokens.plain.json'), 'utf8')) as Record<Role, string>;
  else {
    await writeMonitoringModel(modelsDir);
    tokens = await writeTokens(tokensFile);
    await writeFile(join(dir, 'tokens.plain.json'), JSON.stringify(tokens));
  }
  const env = {
    ...testServiceEnv(dir),
    RANDOM_REFERRAL_RATE: '0',
    ...options.env,
  };
  const app = await buildApp({
    config: loadConfig(env),
    env,
    logger: process.env.MONITOR_DEBUG === '1' ? { level: 'error' } : false,
    tokenPollMs: 0,
    collectProcessMetrics: false,
    clock: options.clock,
    ...(options.uniform === undefined ? {} : { uniform: options.uniform }),
  });
  if (!app.hasDecorator('monitoring')) await app.register(monitoringPlugin, { clock: options.clock, modelsDir });
  await app.ready();
  return {
    app,
    dir,
    auth: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    close: async () => {
      await app.close();
      if (!reuse) await rm(dir, { recursive: true, force: true });
    },
  };
}

const SEXES = ['female', 'male', 'x', 'unknown'] as const;
const CITIZENSHIPS = ['USA', 'MEX', 'CAN', 'GTM'] as const;

/** Occupants' audit attributes: a driver and up to three passengers, some without an audit object. */
export function syntheticAudit(random: Random): OccupantAudit[] {
  const occupants = 1 + random.int(4);
  return Array.from({ length: occupants }, (_, i): OccupantAudit => {
    const role = i === 0 ? 'driver' : 'passenger';
    if (random.chance(0.05)) return { role };
    return {
      role,
      sex: random.chance(0.97) ? (random.chance(0.5) ? 'female' : 'male') : random.pick(SEXES),
      birthYear: i === 0 ? 1940 + random.int(65) : 1940 + random.int(85),
      citizenship: random.pick(CITIZENSHIPS),
    };
  });
}

export interface SyntheticDecision {
  readonly decision: CountedDecision;
  /** Whether the crossing carried contraband (known to the simulation, not to the service). */
  readonly truth: 0 | 1;
}

export interface SyntheticOptions {
  readonly at: number;
  readonly port?: string;
  readonly modelVersion?: string;
  readonly threshold: number;
  readonly randomRate: number;
  /** Added to every feature value (drift). */
  readonly featureShift?: number;
  /** Only this feature is shifted (index); default all when featureShift is set. */
  readonly shiftedFeature?: number;
}

/** One decision as the service would take it: model referral at score >= threshold, random selection at randomRate. */
export function syntheticDecision(random: Random, options: SyntheticOptions): SyntheticDecision {
  const score = syntheticScore(random);
  const truth: 0 | 1 = random.next() < score ? 1 : 0;
  const features = new Float32Array(FEATURE_COUNT);
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const shifted = options.featureShift !== undefined && (options.shiftedFeature === undefined || options.shiftedFeature === i);
    features[i] = syntheticFeature(random, i, shifted ? options.featureShift : 0);
  }
  const modelRefers = score >= options.threshold;
  const randomlySelected = random.next() < options.randomRate;
  return {
    truth,
    decision: {
      crossingAt: options.at,
      port: options.port ?? '2504',
      modelVersion: options.modelVersion ?? 'test-lr',
      score,
      features,
      modelRecommendation: modelRefers ? 'refer' : 'release',
      randomlySelected,
      randomReferralRate: options.randomRate,
      referralPropensity: modelRefers ? 1 : options.randomRate,
      recommendation: modelRefers || randomlySelected ? 'refer' : 'release',
      audit: syntheticAudit(random),
    },
  };
}

/**
 * What officers report: every recommended referral is inspected (its result is the truth) unless
 * the outcome is missing (share `missing`); a share `officerRate` of the other crossings is referred
 * by the officer on their own judgement. null: no outcome recorded.
 */
export function syntheticOutcome(random: Random, s: SyntheticDecision, options: { missing: number; officerRate: number }): CountedOutcome | null {
  const result = s.truth === 1 ? 'seizure' : 'no_seizure';
  if (s.decision.recommendation === 'refer') return random.chance(options.missing) ? null : { referred: true, result };
  return random.chance(options.officerRate) ? { referred: true, result } : null;
}
