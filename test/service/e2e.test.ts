import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CrossingEvent } from '../../features/crossing-event.schema.ts';
import { FEATURE_INDEX } from '../../features/feature-spec.ts';
import type { CrossingsReply } from '../../service/crossings/crossings.route.ts';
import type { DecisionView } from '../../service/decisions/decisions.route.ts';
import type { OutcomeReply } from '../../service/outcomes/outcomes.route.ts';
import type { ScoreReply } from '../../service/scoring/score.route.ts';
import { simulate, type SimulatedCrossing } from '../../training/simulator/simulate.ts';
import { buildTestApp, type TestApp } from './helpers/test-app.ts';

/**
 * The service over a real listening port, fed the simulator's crossings in time order as the
 * consoles at ten ports would send them: inbound crossings scored, outbound ones recorded in
 * batches, and every historical inspection reported as an outcome.
 */
let t: TestApp;
let base: string;
let officer: Record<string, string>;
const simulated: SimulatedCrossing[] = [...simulate({ seed: 20250301, vehicles: 250, days: 6 })];
const decisionOf = new Map<SimulatedCrossing, string>();
const replies: ScoreReply[] = [];
let outcomes = 0;
let recorded = 0;

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { ...officer, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The replay's clock: the time of what is being sent (the service dates decisions, outcomes and their history facts by it). */
let now = 0;

beforeAll(async () => {
  t = await buildTestApp({ env: { RANDOM_REFERRAL_RATE: '0.05' }, clock: () => now });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  officer = t.auth('officer');

  let outbound: CrossingEvent[] = [];
  const flushOutbound = async (): Promise<void> => {
    if (outbound.length === 0) return;
    now = Date.parse(outbound.at(-1)!.timestamp);
    const reply = await post<CrossingsReply>('/v1/crossings', { crossings: outbound });
    expect(reply.rejected).toBe(0);
    recorded += reply.recorded;
    outbound = [];
  };
  // Each inspection is reported when the simulation says its result was recorded.
  const dueOutcomes: { readonly at: number; readonly body: object }[] = [];
  const reportDue = async (until: number): Promise<void> => {
    dueOutcomes.sort((a, b) => a.at - b.at);
    while (dueOutcomes.length > 0 && dueOutcomes[0]!.at <= until) {
      const due = dueOutcomes.shift()!;
      now = due.at;
      await post<OutcomeReply>('/v1/outcomes', due.body);
      outcomes++;
    }
  };
  for (const crossing of simulated) {
    if (crossing.event.direction === 'outbound') {
      outbound.push(crossing.event);
      continue;
    }
    await flushOutbound(); // history in time order: the outbound crossings before this one first
    const at = Date.parse(crossing.event.timestamp);
    await reportDue(at);
    now = at;
    const reply = await post<ScoreReply>('/v1/score', crossing.event);
    replies.push(reply);
    decisionOf.set(crossing, reply.decisionId);
    const inspection = crossing.truth.inspection;
    if (inspection !== null) {
      const seizure = inspection.result === 'seizure';
      const body = {
        decisionId: reply.decisionId,
        referred: true,
        reason: inspection.selection === 'random' ? 'random' : 'officer',
        result: inspection.result,
        ...(seizure ? { items: [{ category: 'methamphetamine', quantity: 4, unit: 'kg' }] } : {}),
        observedAt: inspection.recordedAt,
      };
      dueOutcomes.push({ at: Date.parse(inspection.recordedAt), body });
    }
  }
  await flushOutbound();
  await reportDue(Infinity);
}, 120_000);

afterAll(async () => {
  await t.close();
});

describe('end to end over HTTP with simulated traffic', () => {
  test('every crossing is recorded, every inbound one scored, every inspection linked', async () => {
    const inbound = simulated.filter((c) => c.event.direction === 'inbound').length;
    expect(simulated.length).toBeGreaterThan(300);
    expect(replies).toHaveLength(inbound);
    expect(t.app.storage.decisions.countDecisions()).toBe(inbound);
    expect(await t.app.storage.history.countCrossings()).toBe(simulated.length);
    expect(recorded).toBe(simulated.length - inbound);
    expect(outcomes).toBeGreaterThan(0);
    const stored = t.app.storage.databases.read.prepare('SELECT count(*) AS n FROM outcomes').get() as { n: number };
    expect(stored.n).toBe(outcomes);
    for (const reply of replies) {
      expect(reply.score).toBeGreaterThanOrEqual(0);
      expect(reply.score).toBeLessThanOrEqual(1);
      expect(reply.recommendation === 'refer').toBe(reply.score >= reply.threshold || reply.selection === 'random');
    }
    // 5% random selection over a few hundred crossings: some, and far from all.
    const random = replies.filter((r) => r.selection === 'random').length;
    expect(random).toBeGreaterThan(0);
    expect(random).toBeLessThan(inbound / 4);
  });

  test("a vehicle's crossing after an inspection of it sees the referral in its features", async () => {
    const inspected = simulated.find((c, i) => c.truth.inspection !== null && simulated.slice(i + 1).some((later) => sameVehicleInboundAfter(c, later)));
    expect(inspected, 'the simulation has a vehicle inspected and then crossing inbound again').toBeDefined();
    const index = simulated.indexOf(inspected!);
    const later = simulated.slice(index + 1).find((c) => sameVehicleInboundAfter(inspected!, c))!;
    const response = await fetch(`${base}/v1/decisions/${decisionOf.get(later)!}`, { headers: t.auth('oversight') });
    const view = (await response.json()) as DecisionView;
    expect(view.features.vehiclePriorReferrals).toBeGreaterThanOrEqual(1);
    expect(view.features.vehicleCrossings365d).toBeGreaterThanOrEqual(1);
    const stored = t.app.storage.decisions.findDecision(view.decisionId)!;
    expect(stored.features[FEATURE_INDEX.vehiclePriorReferrals]).toBe(view.features.vehiclePriorReferrals);
  });

  test('Prometheus counts what was served', async () => {
    const text = await (await fetch(`${base}/metrics`, { headers: t.auth('scraper') })).text();
    const total = [...text.matchAll(/^referral_decisions_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(total).toBe(replies.length);
  });
});

function sameVehicleInboundAfter(earlier: SimulatedCrossing, later: SimulatedCrossing): boolean {
  const inspection = earlier.truth.inspection;
  return (
    inspection !== null &&
    later.event.direction === 'inbound' &&
    later.event.vehicle.plate === earlier.event.vehicle.plate &&
    later.event.vehicle.plateJurisdiction === earlier.event.vehicle.plateJurisdiction &&
    Date.parse(later.event.timestamp) > Date.parse(inspection.recordedAt)
  );
}
