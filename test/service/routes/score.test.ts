import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { FEATURE_COUNT, FEATURE_INDEX, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../../../features/feature-spec.ts';
import { exportMlpToOnnx } from '../../../training/onnx/export-mlp.ts';
import { DECISION_ID_PATTERN } from '../../../service/decisions/decision-id.ts';
import type { ScoreReply } from '../../../service/scoring/score.route.ts';
import { sampleCrossing } from '../../fixtures/crossing-events.ts';
import { openDatabase } from '../../../store/sqlite/database.ts';
import { freshCrossing, hoursEarlier, NOW } from '../helpers/crossings.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';
import { referenceScore, TEST_BIAS, TEST_THRESHOLD, testBaseline, testWeightVector, writeModelWithCard } from '../helpers/test-model.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock: () => NOW });
});
afterAll(async () => {
  await t.close();
});

async function score(payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/score', headers: { ...t.auth('officer'), ...headers }, payload: payload as object });
}

async function counts(): Promise<{ decisions: number; crossings: number }> {
  return { decisions: t.app.storage.decisions.countDecisions(), crossings: await t.app.storage.history.countCrossings() };
}

describe('POST /v1/score', () => {
  test('scores with the model, records the decision durably and replies with the contract fields', async () => {
    const response = await score(freshCrossing('score-1'));
    expect(response.statusCode).toBe(200);
    const body = response.json<ScoreReply>();
    expect(body.decisionId).toMatch(DECISION_ID_PATTERN);
    expect(body).toMatchObject({ threshold: TEST_THRESHOLD, thresholdSource: 'model_card', model: { version: 'test-lr' }, featureSpec: { version: 1, hash: FEATURE_SPEC_HASH } });
    expect(body.recommendation).toBe(body.score >= TEST_THRESHOLD ? 'refer' : 'release');
    expect(body.reasons.length).toBeLessThanOrEqual(3);

    const stored = t.app.storage.decisions.findDecision(body.decisionId)!;
    expect(stored.score).toBe(body.score);
    // The score is the model's answer for the stored vector (hand-computed logistic regression).
    expect(body.score).toBeCloseTo(referenceScore(stored.features), 6);
    expect(stored).toMatchObject({ officerId: 'test-officer', port: '2504', lane: 'general', featureSpecHash: FEATURE_SPEC_HASH });
    expect(stored.audit).toEqual([
      { role: 'driver', sex: 'female', birthYear: 1985, citizenship: 'USA' },
      { role: 'passenger', sex: 'male', birthYear: 1990, citizenship: 'MEX' },
    ]);
    // No raw identifier is stored.
    const row = JSON.stringify(t.app.storage.databases.read.prepare('SELECT * FROM decisions WHERE id = ?').get(body.decisionId));
    expect(row).not.toContain('Tscore-1');
    expect(row).not.toContain('score-1-0');
  });

  test('X-Officer-Id names the officer at the console', async () => {
    const response = await score(freshCrossing('score-officer'), { 'x-officer-id': 'badge-4471' });
    expect(t.app.storage.decisions.findDecision(response.json<ScoreReply>().decisionId)?.officerId).toBe('badge-4471');
  });

  test("features see the vehicle's earlier crossings: the crossing is recorded with its decision", async () => {
    const event = freshCrossing('score-history');
    await score(hoursEarlier(event, 5));
    const second = await score(event);
    const features = t.app.storage.decisions.findDecision(second.json<ScoreReply>().decisionId)!.features;
    expect(features[FEATURE_INDEX.vehicleCrossings24h]).toBe(1);
    expect(features[FEATURE_INDEX.vehicleNeverSeen]).toBe(0);
    expect(features[FEATURE_INDEX.driverNeverSeen]).toBe(0);
    expect(features[FEATURE_INDEX.vehicleDaysSinceLastCrossing]).toBeCloseTo(5 / 24, 5);
  });

  test('audit attributes never change the features or the score', async () => {
    const caller = { officerId: 'o', tokenId: 'tok_abcdefghijkl' };
    const event = freshCrossing('score-audit');
    const other = {
      ...event,
      occupants: event.occupants.map((o) => ({ ...o, audit: { sex: 'x' as const, birthYear: 1950, citizenship: 'CAN' } })),
    };
    const none = { ...event, occupants: event.occupants.map(({ audit: _audit, ...o }) => o) };
    const results = await Promise.all([event, other, none].map((e) => t.app.referral.evaluate(e, caller)));
    const [a, b, c] = results.map((r) => r.decision);
    expect(Array.from(b!.features)).toEqual(Array.from(a!.features));
    expect(Array.from(c!.features)).toEqual(Array.from(a!.features));
    expect(b!.score).toBe(a!.score);
    expect(c!.score).toBe(a!.score);
    expect(b!.audit[0]).toEqual({ role: 'driver', sex: 'x', birthYear: 1950, citizenship: 'CAN' });
  });
});

describe('bad input: a 4xx naming the field, and nothing recorded', () => {
  const cases: [string, () => Promise<{ statusCode: number; json: () => { message: string } }>, number, RegExp][] = [
    ['unknown field', () => score({ ...freshCrossing('bad-1'), colour: 'red' }), 400, /^colour: unknown field$/],
    ['unknown nested field', () => score({ ...freshCrossing('bad-2'), vehicle: { ...sampleCrossing().vehicle, colour: 'red' } }), 400, /^vehicle\.colour: unknown field$/],
    ['wrong type', () => score({ ...freshCrossing('bad-3'), port: 2504 }), 400, /^port: must be a string$/],
    [
      'too many occupants',
      () => score({ ...freshCrossing('bad-4'), occupants: Array.from({ length: 16 }, (_, i) => ({ ...sampleCrossing().occupants[1]!, travelerId: `p${i}` })) }),
      400,
      /^occupants: at most 15 occupants are allowed$/,
    ],
    ['no driver', () => score({ ...freshCrossing('bad-5'), occupants: [sampleCrossing().occupants[1]!] }), 400, /^occupants: exactly one driver is required$/],
    ['future timestamp', () => score({ ...freshCrossing('bad-6'), timestamp: '2025-03-01T08:06:00-08:00' }), 400, /^timestamp: must not be more than 5 minutes in the future \(the time here is 2025-03-01T16:00:00\.000Z\)$/],
    ['outbound crossing', () => score({ ...freshCrossing('bad-7'), direction: 'outbound' }), 400, /^direction: must be "inbound"/],
    ['missing field', () => score({ ...freshCrossing('bad-8'), port: undefined }), 400, /^port: is required$/],
    ['bad enum', () => score({ ...freshCrossing('bad-11'), lane: 'fast' }), 400, /^lane: must be one of "general", "ready", "sentri", "nexus"$/],
    ['missing enum field', () => score({ ...freshCrossing('bad-12'), lane: undefined }), 400, /^lane: is required: one of "general", "ready", "sentri", "nexus"$/],
    [
      'malformed JSON',
      () => t.app.inject({ method: 'POST', url: '/v1/score', headers: { ...t.auth('officer'), 'content-type': 'application/json' }, payload: '{"port": "2504", "vehicle": {"plate": "7ABC' }),
      400,
      /^body: is not valid JSON$/,
    ],
    [
      'empty body',
      () => t.app.inject({ method: 'POST', url: '/v1/score', headers: { ...t.auth('officer'), 'content-type': 'application/json' }, payload: '' }),
      400,
      /^body: is empty/,
    ],
    [
      'oversize body',
      () => score({ ...freshCrossing('bad-9'), vehicle: { ...sampleCrossing().vehicle, make: 'x'.repeat(70_000) } }),
      413,
      /^body: is larger than the 65536-byte limit$/,
    ],
    [
      'not JSON',
      () => t.app.inject({ method: 'POST', url: '/v1/score', headers: { ...t.auth('officer'), 'content-type': 'text/csv' }, payload: 'a,b' }),
      415,
      /^content-type: "text\/csv" is not supported; send application\/json$/,
    ],
  ];

  test.each(cases)('%s', async (_name, send, status, message) => {
    const before = await counts();
    const response = await send();
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(body.message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  test('every problem is listed, and the body is never echoed', async () => {
    const response = await score({ ...freshCrossing('bad-10'), port: 'SY', vehicle: { ...sampleCrossing().vehicle, plate: 'AB$CD99' } });
    expect(response.json().errors).toEqual(['port: must be a 4-digit port code', 'vehicle.plate: may contain only letters, digits, spaces and hyphens']);
    expect(response.body).not.toContain('AB$CD99');
  });
});

describe('Idempotency-Key', () => {
  test('a retry replays the stored decision instead of scoring twice', async () => {
    const before = await counts();
    const event = freshCrossing('idem-1');
    const first = await score(event, { 'idempotency-key': 'retry-1' });
    const second = await score(event, { 'idempotency-key': 'retry-1' });
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json()).toEqual(first.json());
    expect(await counts()).toEqual({ decisions: before.decisions + 1, crossings: before.crossings + 1 });
  });

  test('a reply stored before replies carried modelRecommendation replays with it, derived from score and threshold', async () => {
    const event = freshCrossing('idem-old');
    const first = (await score(event, { 'idempotency-key': 'retry-old' })).json<ScoreReply>();
    // As a service before this field stored it.
    const { modelRecommendation: _dropped, ...older } = first;
    t.app.storage.databases.write.prepare("UPDATE idempotency_keys SET response = ? WHERE key = 'retry-old'").run(JSON.stringify(older));
    const replay = await score(event, { 'idempotency-key': 'retry-old' });
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first);
  });

  test('concurrent requests with one key make one decision', async () => {
    const before = await counts();
    const event = freshCrossing('idem-2');
    const replies = await Promise.all([1, 2, 3].map(() => score(event, { 'idempotency-key': 'concurrent-1' })));
    expect(new Set(replies.map((r) => r.json<ScoreReply>().decisionId)).size).toBe(1);
    expect((await counts()).decisions).toBe(before.decisions + 1);
  });

  test('the same key with another body is refused with 422', async () => {
    await score(freshCrossing('idem-3'), { 'idempotency-key': 'reused' });
    const response = await score(freshCrossing('idem-4'), { 'idempotency-key': 'reused' });
    expect(response.statusCode).toBe(422);
    // The key itself is not quoted: the message is logged, and keys may be built from identifiers.
    expect(response.json().message).toBe('idempotency-key: this key was already used with a different request body; use a new key for a new request');
  });

  test('a malformed key is a 400 naming the header', async () => {
    const response = await score(freshCrossing('idem-5'), { 'idempotency-key': 'has space' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('idempotency-key: must be printable ASCII without spaces');
  });
});

describe('per-port referral budget', () => {
  /** The sample crossing `minutes` earlier, for a spread of scores (the hour-of-day features differ). */
  const spread = (tag: string, minutes: number) => {
    const event = freshCrossing(tag);
    const at = Date.parse(event.timestamp) - minutes * 60_000;
    return { ...event, timestamp: `${new Date(at - 8 * 3_600_000).toISOString().slice(0, 19)}-08:00` };
  };
  /** The k-th largest of the n port-2504 scores before the latest decision, computed from the decision log. */
  const expectedThreshold = (app: TestApp, n: number, k: number): number => {
    const rows = app.app.storage.databases.read
      .prepare("SELECT score FROM (SELECT score FROM decisions WHERE port = '2504' ORDER BY seq DESC LIMIT ? OFFSET 1) ORDER BY score DESC LIMIT 1 OFFSET ?")
      .get(n, k - 1) as { score: number };
    return rows.score;
  };

  test("the threshold is the window's quantile that meets the budget, and survives a restart", async () => {
    const env = { REFERRAL_BUDGETS: '2504=0.1', REFERRAL_BUDGET_WINDOW: '100' };
    const budgeted = await buildTestApp({ clock: () => NOW, env });
    const post = (app: TestApp, payload: object) =>
      app.app.inject({ method: 'POST', url: '/v1/score', headers: app.auth('officer'), payload }).then((r) => r.json<ScoreReply>());
    for (let i = 0; i < 99; i++) {
      expect((await post(budgeted, spread(`budget-${i}`, i))).thresholdSource).toBe('model_card');
    }
    await post(budgeted, spread('budget-99', 99));
    // 100 scores in the window, budget 0.1: the 10th largest.
    const next = await post(budgeted, spread('budget-100', 100));
    expect(next.thresholdSource).toBe('port_budget');
    expect(next.threshold).toBe(expectedThreshold(budgeted, 100, 10));
    const window = budgeted.app.storage.databases.read
      .prepare('SELECT score FROM decisions ORDER BY seq DESC LIMIT 100 OFFSET 1')
      .all() as { score: number }[];
    expect(window.filter((w) => w.score >= next.threshold).length).toBe(10);
    // Another port has no budget.
    expect((await post(budgeted, { ...spread('budget-other', 5), port: '0250' })).thresholdSource).toBe('model_card');
    await budgeted.app.close();

    const restarted = await buildTestApp({ clock: () => NOW, env, dir: budgeted.dir });
    const afterRestart = await restarted.app.inject({
      method: 'POST',
      url: '/v1/score',
      headers: budgeted.auth('officer'),
      payload: spread('budget-101', 101),
    });
    expect(afterRestart.json<ScoreReply>()).toMatchObject({ thresholdSource: 'port_budget', threshold: expectedThreshold(restarted, 100, 10) });
    await restarted.close();
    await budgeted.close();
  });

  test("a new model starts on its card's threshold: the previous model's scores are not in its window", async () => {
    const env = { REFERRAL_BUDGETS: '2504=0.1', REFERRAL_BUDGET_WINDOW: '100' };
    const first = await buildTestApp({ clock: () => NOW, env });
    const post = (app: TestApp, payload: object) =>
      app.app.inject({ method: 'POST', url: '/v1/score', headers: first.auth('officer'), payload }).then((r) => r.json<ScoreReply>());
    for (let i = 0; i < 100; i++) await post(first, spread(`change-${i}`, i));
    // Another model on another scale: the test model's weights with 6 added to the logit (every score about 0.99), card threshold 0.995.
    const bytes = exportMlpToOnnx({
      inputNormalization: { mean: new Float32Array(FEATURE_COUNT), std: new Float32Array(FEATURE_COUNT).fill(1) },
      layers: [{ weights: testWeightVector(), bias: [TEST_BIAS + 6], activation: 'linear' }],
      calibration: { kind: 'none' },
      metadata: { modelVersion: 'test-high', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
    });
    await writeModelWithCard(join(first.dir, 'models'), 'test-high', bytes, 0.995, testBaseline());
    await first.app.close();
    const second = await buildTestApp({ clock: () => NOW, env: { ...env, MODEL_VERSION: 'test-high' }, dir: first.dir });
    try {
      const replies: ScoreReply[] = [];
      for (let i = 0; i < 20; i++) replies.push(await post(second, spread(`change-new-${i}`, 200 + i)));
      // With the old model's quantile (about 0.2) it referred every one of them.
      expect(replies.every((r) => r.model.version === 'test-high' && r.thresholdSource === 'model_card' && r.threshold === 0.995)).toBe(true);
      expect(replies.filter((r) => r.recommendation === 'refer' && r.selection === 'model').length).toBe(replies.filter((r) => r.score >= 0.995).length);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe('the decision log stopped', () => {
  test('a score is refused with 503, Retry-After and what to do, not a 500', async () => {
    const stopped = await buildTestApp({ clock: () => NOW });
    try {
      // As after a failed COMMIT or fsync, or while shutting down.
      await stopped.app.storage.decisionLog.close();
      const response = await stopped.app.inject({ method: 'POST', url: '/v1/score', headers: stopped.auth('officer'), payload: freshCrossing('log-stopped') });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json().message).toBe('decision log unavailable: closed; send the request again with the same Idempotency-Key once the service is back');
      expect(stopped.app.storage.decisions.countDecisions()).toBe(0);
    } finally {
      await stopped.close();
    }
  });

  test('another process holds the write lock (an import batch): 503 with Retry-After, not a 500', async () => {
    const app = await buildTestApp({ clock: () => NOW });
    const importer = openDatabase(app.dbPath);
    try {
      app.app.storage.databases.write.pragma('busy_timeout = 50');
      importer.exec('BEGIN IMMEDIATE');
      const response = await app.app.inject({ method: 'POST', url: '/v1/score', headers: app.auth('officer'), payload: freshCrossing('log-busy') });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
      expect(response.json().message).toMatch(/^database busy: another process holds the write lock .*nothing was recorded; send the request again with the same Idempotency-Key$/);
      importer.exec('ROLLBACK');
      expect(app.app.storage.decisions.countDecisions()).toBe(0);
      // The service goes on once the lock is released.
      const again = await app.app.inject({ method: 'POST', url: '/v1/score', headers: app.auth('officer'), payload: freshCrossing('log-busy') });
      expect(again.statusCode).toBe(200);
    } finally {
      importer.close();
      await app.close();
    }
  });
});

describe('random selection', () => {
  test('a random selection says what the model alone recommends, so a crossing the model flags too is not read as routine', async () => {
    // Every draw selects (draw 0 < rate 0.5): each reply is a random referral.
    const app = await buildTestApp({ clock: () => NOW, env: { RANDOM_REFERRAL_RATE: '0.5' }, uniform: () => 0 });
    try {
      const replies: ScoreReply[] = [];
      for (let i = 0; i < 60; i++) {
        const event = freshCrossing(`random-${i}`);
        // Hours of the day spread the test model's scores across its threshold.
        const at = Date.parse(event.timestamp) - i * 23 * 60_000;
        const payload = { ...event, timestamp: `${new Date(at - 8 * 3_600_000).toISOString().slice(0, 19)}-08:00` };
        replies.push((await app.app.inject({ method: 'POST', url: '/v1/score', headers: app.auth('officer'), payload })).json<ScoreReply>());
      }
      for (const r of replies) {
        expect(r).toMatchObject({ selection: 'random', recommendation: 'refer', modelRecommendation: r.score >= r.threshold ? 'refer' : 'release' });
        expect(app.app.storage.decisions.findDecision(r.decisionId)?.modelRecommendation).toBe(r.modelRecommendation);
      }
      expect(new Set(replies.map((r) => r.modelRecommendation))).toEqual(new Set(['refer', 'release']));
    } finally {
      await app.close();
    }
  });
});
