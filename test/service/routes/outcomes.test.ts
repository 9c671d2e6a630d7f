import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CrossingEvent } from '../../../features/crossing-event.schema.ts';
import { FEATURE_INDEX } from '../../../features/feature-spec.ts';
import { uuidV7 } from '../../../service/decisions/decision-id.ts';
import type { DecisionView } from '../../../service/decisions/decisions.route.ts';
import type { OutcomeReply } from '../../../service/outcomes/outcomes.route.ts';
import type { ScoreReply } from '../../../service/scoring/score.route.ts';
import { freshCrossing, hoursEarlier, NOW } from '../helpers/crossings.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
/** The service's clock: NOW unless a test moves it (outcomes and their history facts are dated by it). */
let now = NOW;
beforeAll(async () => {
  t = await buildTestApp({ clock: () => now });
});
afterAll(async () => {
  await t.close();
});

async function score(event: CrossingEvent): Promise<ScoreReply> {
  const response = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: event });
  expect(response.statusCode).toBe(200);
  return response.json<ScoreReply>();
}

async function report(payload: object, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/outcomes', headers: { ...t.auth('officer'), ...headers }, payload });
}

async function view(id: string, role: 'officer' | 'oversight' = 'officer'): Promise<DecisionView> {
  const response = await t.app.inject({ method: 'GET', url: `/v1/decisions/${id}`, headers: t.auth(role) });
  expect(response.statusCode).toBe(200);
  return response.json<DecisionView>();
}

const outcomeCount = (): number => (t.app.storage.databases.read.prepare('SELECT count(*) AS n FROM outcomes').get() as { n: number }).n;

/**
 * A crossing of a fresh vehicle scored 48 h before `event`, with the clock then; `at(h)` is the
 * instant h hours before `event`.
 */
async function scoredTwoDaysBefore(name: string): Promise<{ event: CrossingEvent; at: (hoursBefore: number) => number; first: ScoreReply }> {
  const event = freshCrossing(name);
  const at = (hoursBefore: number): number => Date.parse(hoursEarlier(event, hoursBefore).timestamp);
  now = at(48);
  return { event, at, first: await score(hoursEarlier(event, 48)) };
}

describe('POST /v1/outcomes and GET /v1/decisions/:id', () => {
  test('an outcome links to its decision; a correction supersedes it; the decision shows both, the last current', async () => {
    const decision = await score(freshCrossing('out-1'));
    const first = await report({ decisionId: decision.decisionId, referred: true, reason: 'model' });
    expect(first.statusCode).toBe(200);
    const firstBody = first.json<OutcomeReply>();
    expect(firstBody).toMatchObject({ decisionId: decision.decisionId, supersedes: null, recordedAt: new Date(NOW).toISOString() });

    const correction = await report({
      decisionId: decision.decisionId,
      referred: true,
      reason: 'model',
      result: 'seizure',
      items: [{ category: 'methamphetamine', quantity: 12.5, unit: 'kg' }],
    });
    expect(correction.json<OutcomeReply>().supersedes).toBe(firstBody.outcomeId);

    const shown = await view(decision.decisionId);
    expect(shown.outcomes.map((o) => [o.outcomeId, o.current, o.result])).toEqual([
      [firstBody.outcomeId, false, null],
      [correction.json<OutcomeReply>().outcomeId, true, 'seizure'],
    ]);
    expect(shown.outcomes[1]!.items).toEqual([{ category: 'methamphetamine', quantity: 12.5, unit: 'kg' }]);
    expect(shown.audit).toBeUndefined();
    expect((await view(decision.decisionId, 'oversight')).audit?.[0]).toEqual({ role: 'driver', sex: 'female', birthYear: 1985, citizenship: 'USA' });
  });

  test('later crossings see earlier referrals and seizures; a correction withdraws them', async () => {
    const { event, at, first } = await scoredTwoDaysBefore('out-2');
    // Reported an hour after the crossing, about an inspection half an hour after it.
    now = at(47);
    const outcome = await report({
      decisionId: first.decisionId,
      referred: true,
      reason: 'random',
      result: 'seizure',
      items: [{ category: 'currency', quantity: 25_000, unit: 'usd' }],
      observedAt: new Date(at(47.5)).toISOString(),
    });
    expect(outcome.statusCode).toBe(200);

    now = at(24);
    const second = await score(hoursEarlier(event, 24));
    const seen = t.app.storage.decisions.findDecision(second.decisionId)!.features;
    expect(seen[FEATURE_INDEX.vehiclePriorReferrals]).toBe(1);
    expect(seen[FEATURE_INDEX.vehiclePriorSeizures]).toBe(1);
    expect(seen[FEATURE_INDEX.occupantPriorReferrals]).toBe(2); // driver and passenger
    expect(seen[FEATURE_INDEX.occupantPriorSeizures]).toBe(2);
    expect(second.score).toBeGreaterThan(first.score);
    expect(second.reasons[0]?.feature).toBe('vehiclePriorSeizures');

    // The officer corrects: the vehicle was released, not referred.
    now = at(12);
    await report({ decisionId: first.decisionId, referred: false, observedAt: new Date(at(47.5)).toISOString() });
    now = NOW;
    const third = await score(event);
    const after = t.app.storage.decisions.findDecision(third.decisionId)!.features;
    expect([after[FEATURE_INDEX.vehiclePriorReferrals], after[FEATURE_INDEX.vehiclePriorSeizures], after[FEATURE_INDEX.occupantPriorReferrals]]).toEqual([0, 0, 0]);
  });

  test('a reported result counts for crossings after it was recorded, not after the inspection it reports', async () => {
    const { event, at, first } = await scoredTwoDaysBefore('out-late');
    // Inspected at once, but the seizure is entered a day and a half later.
    now = at(12);
    await report({
      decisionId: first.decisionId,
      referred: true,
      reason: 'officer',
      result: 'seizure',
      items: [{ category: 'cocaine', quantity: 3, unit: 'kg' }],
      observedAt: new Date(at(47.5)).toISOString(),
    });
    now = NOW;
    // A crossing between the inspection and the report: scored live then, it could not have seen the
    // seizure, and neither does it now nor in a training set rebuilt from history.
    const between = await score(hoursEarlier(event, 24));
    expect(t.app.storage.decisions.findDecision(between.decisionId)!.features[FEATURE_INDEX.vehiclePriorSeizures]).toBe(0);
    const after = await score(event);
    expect(t.app.storage.decisions.findDecision(after.decisionId)!.features[FEATURE_INDEX.vehiclePriorSeizures]).toBe(1);
  });

  test('an unknown decision is a 404 and records nothing', async () => {
    const before = outcomeCount();
    const response = await report({ decisionId: uuidV7(NOW), referred: false });
    expect(response.statusCode).toBe(404);
    expect(response.json().message).toMatch(/^decisionId: decision .* not found$/);
    expect(outcomeCount()).toBe(before);
    const missing = await t.app.inject({ method: 'GET', url: `/v1/decisions/${uuidV7(NOW)}`, headers: t.auth('officer') });
    expect(missing.statusCode).toBe(404);
    const malformed = await t.app.inject({ method: 'GET', url: '/v1/decisions/42', headers: t.auth('officer') });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toBe('id: must be a decision id as /v1/score returned it (a UUID v7)');
  });

  test.each([
    [{ referred: true }, 'reason: is required when referred is true'],
    [{ referred: false, reason: 'model' }, 'reason: is only allowed when referred is true'],
    [{ referred: false, result: 'no_seizure' }, 'result: is only allowed when referred is true'],
    [{ referred: true, reason: 'officer', result: 'seizure' }, 'items: at least one item is required when result is seizure'],
    [{ referred: true, reason: 'officer', result: 'seizure', items: [{ category: 'gold', quantity: 1, unit: 'kg' }] }, /^items\.0\.category: must be one of "fentanyl"/],
    [{ referred: true, reason: 'officer', result: 'seizure', items: [{ category: 'heroin', quantity: -1, unit: 'g' }] }, 'items.0.quantity: must be greater than 0'],
    [{ referred: true, reason: 'officer', result: 'seizure', items: [{ category: 'currency', quantity: 5, unit: 'kg' }] }, 'items.0.unit: must be usd for currency'],
    [{ referred: true, reason: 'officer', result: 'seizure', items: [{ category: 'weapons', quantity: 1, unit: 'lb' }] }, 'items.0.unit: must be count for weapons'],
    [{ referred: true, reason: 'officer', result: 'seizure', items: [{ category: 'cocaine', quantity: 5, unit: 'usd' }] }, 'items.0.unit: must be g, kg, lb, count for cocaine'],
    [{ referred: true, reason: 'officer', extra: 1 }, 'extra: unknown field'],
    [{ referred: false, observedAt: '2025-03-01T09:00:00-08:00' }, 'observedAt: must not be more than 5 minutes in the future'],
    [{ referred: false, observedAt: '2025-03-01T06:00:00-08:00' }, /^observedAt: must not be before the crossing/],
  ])('%j is refused: %s', async (fields, message) => {
    const decision = await score(freshCrossing(`out-bad-${outcomeCount()}-${Math.random().toString(36).slice(2, 6)}`));
    const before = outcomeCount();
    const response = await report({ decisionId: decision.decisionId, ...fields });
    expect(response.statusCode).toBe(400);
    if (typeof message === 'string') expect(response.json().message).toBe(message);
    else expect(response.json().message).toMatch(message);
    expect(outcomeCount()).toBe(before);
  });

  test('an Idempotency-Key retry replays the outcome instead of recording a correction', async () => {
    const decision = await score(freshCrossing('out-idem'));
    const payload = { decisionId: decision.decisionId, referred: true, reason: 'model', result: 'no_seizure' };
    const first = await report(payload, { 'idempotency-key': 'outcome-1' });
    const again = await report(payload, { 'idempotency-key': 'outcome-1' });
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await view(decision.decisionId)).outcomes).toHaveLength(1);
  });
});
