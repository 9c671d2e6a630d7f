import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CrossingEvent } from '../../features/crossing-event.schema.ts';
import { createRandom } from '../../lib/random.ts';
import { buildApp } from '../../service/app.ts';
import type { Role } from '../../service/auth/roles.ts';
import { loadConfig } from '../../service/config.ts';
import dashboardPlugin from '../../service/dashboard/dashboard.plugin.ts';
import monitoringPlugin from '../../service/monitoring/monitoring.plugin.ts';
import type { ScoreReply } from '../../service/scoring/score.route.ts';
import type { BiasInjection } from '../../training/simulator/audit.ts';
import { formatDate, parseDate } from '../../training/simulator/ports.ts';
import { simulate, type CrossingTruth, type SimulatedCrossing } from '../../training/simulator/simulate.ts';
import { testServiceEnv, writeTokens } from '../service/helpers/test-app.ts';
import { writeTestModel } from '../service/helpers/test-model.ts';

/**
 * The real service (buildApp: SQLite file, ONNX model, tokens file) listening on a local port,
 * seeded through its own routes the way consoles feed it: the simulator's inbound crossings through /v1/score,
 * outbound ones through /v1/crossings, and outcomes through /v1/outcomes drawn from the
 * simulator's ground truth:
 *   - a recommended referral (model or random selection) is inspected, and the result is the
 *     truth (seizure exactly when the crossing carried contraband), except every tenth, which
 *     stays without an outcome (label coverage below 100 %);
 *   - a crossing the service released but the simulator's officers targeted is an officer
 *     referral, with its result.
 * Random selection draws from a seeded source and each period starts on a fixed date, so the whole
 * seed, and every report, is the same on every run and every run date.
 */

export interface SeedPeriod {
  readonly name: string;
  readonly seed: number;
  readonly vehicles: number;
  /**
   * First simulated local day, YYYY-MM-DD: a fixed date, not one relative to the run date. The
   * simulator's crossings depend on the calendar beyond the weekday: timestamps carry the offsets
   * of US daylight saving (Nogales, on MST all year, moves against the other ports, which reorders
   * crossings and so the simulator's inspection draws); yearly registration renewals fall on the
   * purchase date's anniversary (a 29 February in between moves some by a day); model and birth
   * years count from the first day's year. Moved by whole weeks, a period's crossings differed in a
   * few to a few dozen of about 2,800 within a season, and in nearly all between daylight and
   * standard time, where the unbiased seed's fairness intervals differed too (a period that once
   * started on the run date flagged a group on 2026-11-25 and not on 2026-11-24).
   */
  readonly start: string;
  readonly days: number;
  readonly baseRate: number;
  readonly injectBias: BiasInjection | null;
}

export interface SeededPeriod extends SeedPeriod {
  /** The dashboard filter covering the period: UTC days, `to` inclusive. */
  readonly from: string;
  readonly to: string;
  readonly crossings: number;
  readonly decisions: number;
  readonly outcomes: number;
  /** A decision the model referred and whose inspection found contraband (else any with an outcome). */
  readonly sampleDecisionId: string | undefined;
}

export interface SeededService {
  readonly app: FastifyInstance;
  readonly url: string;
  /** The temporary folder: database, tokens.json, and the stand-in model if there is one. */
  readonly dir: string;
  readonly tokens: Readonly<Record<Role, string>>;
  readonly periods: readonly SeededPeriod[];
  readonly modelVersion: string;
  /** The repository's default model, or a stand-in while models/default does not exist. */
  readonly modelSource: 'models/default' | 'test model';
  readonly seedSeconds: number;
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '../..');
/** Crossings sent at once while seeding. */
const SLICE = 32;

export async function startSeededService(
  periods: readonly SeedPeriod[],
  options: { randomReferralRate?: number; budgets?: string } = {},
): Promise<SeededService> {
  // A real SQLite file, on tmpfs where there is one: each acknowledged write is fsynced, which on
  // tmpfs costs nothing, so seeding thousands of decisions takes seconds instead of a minute.
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'dashboard-test-'));
  // The shipped default model (DASHBOARD_TEST_MODELS_DIR may name another registry holding a
  // `default` folder); a hand-set logistic regression only while none exists.
  const registry = process.env.DASHBOARD_TEST_MODELS_DIR ?? join(ROOT, 'models');
  const defaultModel = existsSync(join(registry, 'default/card.json'));
  const modelsDir = defaultModel ? registry : join(dir, 'models');
  if (!defaultModel) await writeTestModel(modelsDir, 'test-lr');
  const tokens = await writeTokens(join(dir, 'tokens.json'));
  const env = {
    ...testServiceEnv(dir, { modelsDir, modelVersion: defaultModel ? 'default' : 'test-lr' }),
    RANDOM_REFERRAL_RATE: String(options.randomReferralRate ?? 0.05),
    REFERRAL_BUDGETS: options.budgets ?? '',
    LOG_LEVEL: 'warn',
    // Other test files share the two cores: an event loop late by half a second there is the
    // machine, not this service, and must not turn the pages' requests into 503s.
    MAX_EVENT_LOOP_DELAY_MS: '10000',
  };
  const config = loadConfig(env);
  const selection = createRandom(20_250_601);
  // DASHBOARD_TEST_LOG=1 shows the service's errors while debugging a test.
  const logger = process.env.DASHBOARD_TEST_LOG === '1' ? { level: 'error' } : false;
  const app = await buildApp({ config, env, logger, tokenPollMs: 0, collectProcessMetrics: false, uniform: () => selection.next() });
  // Until service/app.ts registers them (see the report), compose them here the way app.ts will.
  if (!app.hasDecorator('monitoring')) await app.register(monitoringPlugin, { clock: Date.now, modelsDir: config.MODELS_DIR });
  if (!app.hasRoute({ method: 'GET', url: '/dashboard/:page' })) {
    await app.register(dashboardPlugin, { budgets: config.REFERRAL_BUDGETS, randomReferralRate: config.RANDOM_REFERRAL_RATE });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const started = performance.now();
  const seeded: SeededPeriod[] = [];
  try {
    for (const period of periods) seeded.push(await seedPeriod(app, tokens.officer, period));
  } catch (error) {
    await app.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const seedSeconds = (performance.now() - started) / 1000;

  return {
    app,
    url,
    dir,
    tokens,
    periods: seeded,
    modelVersion: app.model.version,
    modelSource: defaultModel ? 'models/default' : 'test model',
    seedSeconds,
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function seedPeriod(app: FastifyInstance, officerToken: string, period: SeedPeriod): Promise<SeededPeriod> {
  const startDay = parseDate(period.start);
  if (startDay === undefined) throw new RangeError(`seed period ${period.name}: start ${period.start} is not a date YYYY-MM-DD`);
  const headers = { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' };
  // Through the routes themselves (validation, auth, scoring, the decision log's durable commit),
  // injected rather than sent over a socket: the same requests at a third of the cost. The browser
  // then reads everything over the real listening port.
  const post = async <T>(url: string, body: unknown): Promise<T> => {
    const response = await app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });
    if (response.statusCode !== 200) throw new Error(`seeding ${period.name}: ${url} answered ${response.statusCode}: ${response.body}`);
    return response.json<T>();
  };

  let crossings = 0;
  let decisions = 0;
  let outcomes = 0;
  let referrals = 0;
  let sampleDecisionId: string | undefined;
  let sampleIsSeizure = false;
  const crossingsOf = simulate({
    seed: period.seed,
    vehicles: period.vehicles,
    days: period.days,
    start: period.start,
    baseRate: period.baseRate,
    injectBias: period.injectBias,
  });

  /** What the officer reports for a scored crossing, or null (released, or a referral left without an outcome). */
  const outcomeOf = (reply: ScoreReply, event: CrossingEvent, truth: CrossingTruth): OutcomeReport | null => {
    const observedAt = new Date(Date.parse(event.timestamp) + 40 * 60_000).toISOString();
    const found = truth.contraband ? { result: 'seizure' as const, items: [{ category: 'methamphetamine', quantity: 3, unit: 'kg' }] } : { result: 'no_seizure' as const };
    if (reply.recommendation === 'refer') {
      referrals++;
      if (referrals % 10 === 0) return null; // coverage below 100 %
      return { decisionId: reply.decisionId, referred: true, reason: reply.selection === 'random' ? 'random' : 'model', ...found, observedAt };
    }
    if (truth.inspection?.selection === 'targeted') return { decisionId: reply.decisionId, referred: true, reason: 'officer', ...found, observedAt };
    return null;
  };

  // Crossings go in slices of consecutive crossings, each slice's requests at once (as many
  // consoles would send them; the decision log commits them together), then their outcomes. A
  // crossing does not see the history of others in its own slice, minutes apart: immaterial here.
  // The order in which the handlers draw random selections is the order of the requests, so the
  // seed stays reproducible.
  const slice: SimulatedCrossing[] = [];
  const send = async (): Promise<void> => {
    const outbound = slice.filter((c) => c.event.direction === 'outbound').map((c) => c.event);
    const inbound = slice.filter((c) => c.event.direction === 'inbound');
    slice.length = 0;
    const [, replies] = await Promise.all([
      outbound.length > 0 ? post('/v1/crossings', { crossings: outbound }) : undefined,
      Promise.all(inbound.map((c) => post<ScoreReply>('/v1/score', c.event))),
    ]);
    decisions += replies.length;
    const reports = replies.map((reply, i) => outcomeOf(reply, inbound[i]!.event, inbound[i]!.truth)).filter((o) => o !== null);
    for (const report of reports) {
      const seizure = report.reason === 'model' && report.result === 'seizure';
      if (sampleDecisionId === undefined || (seizure && !sampleIsSeizure)) {
        sampleDecisionId = report.decisionId;
        sampleIsSeizure = seizure;
      }
    }
    await Promise.all(reports.map((report) => post('/v1/outcomes', report)));
    outcomes += reports.length;
  };
  for (const crossing of crossingsOf) {
    crossings++;
    slice.push(crossing);
    if (slice.length === SLICE) await send();
  }
  await send();
  return {
    ...period,
    from: formatDate(startDay),
    // The last local day ends up to 8 hours into the next UTC day (Pacific time).
    to: formatDate(startDay + period.days),
    crossings,
    decisions,
    outcomes,
    sampleDecisionId,
  };
}

interface OutcomeReport {
  readonly decisionId: string;
  readonly referred: true;
  readonly reason: 'model' | 'random' | 'officer';
  readonly result: 'seizure' | 'no_seizure';
  readonly observedAt: string;
}
