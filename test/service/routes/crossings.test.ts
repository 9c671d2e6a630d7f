import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FEATURE_INDEX } from '../../../features/feature-spec.ts';
import type { CrossingsReply } from '../../../service/crossings/crossings.route.ts';
import type { ScoreReply } from '../../../service/scoring/score.route.ts';
import { freshCrossing, hoursEarlier, NOW } from '../helpers/crossings.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock: () => NOW, env: { CROSSINGS_BATCH_MAX: '5' } });
});
afterAll(async () => {
  await t.close();
});

async function record(payload: unknown) {
  return t.app.inject({ method: 'POST', url: '/v1/crossings', headers: t.auth('officer'), payload: payload as object });
}

describe('POST /v1/crossings', () => {
  test('records the valid items and reports each invalid one by index, naming the field', async () => {
    const before = await t.app.storage.history.countCrossings();
    const response = await record({
      crossings: [
        { ...freshCrossing('cross-1'), direction: 'outbound' },
        { ...freshCrossing('cross-2'), port: '25', lane: undefined },
        freshCrossing('cross-3'),
        { ...freshCrossing('cross-4'), timestamp: '2025-03-02T07:15:00-08:00', colour: 'red' },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<CrossingsReply>()).toEqual({
      recorded: 2,
      rejected: 2,
      results: [
        { index: 0, status: 'recorded' },
        {
          index: 1,
          status: 'rejected',
          errors: ['crossings.1.port: must be a 4-digit port code', 'crossings.1.lane: is required: one of "general", "ready", "sentri", "nexus"'],
        },
        { index: 2, status: 'recorded' },
        { index: 3, status: 'rejected', errors: ['crossings.3.colour: unknown field', "crossings.3.timestamp: must not be more than 5 minutes in the future (the time here is 2025-03-01T16:00:00.000Z)"] },
      ],
    });
    expect(await t.app.storage.history.countCrossings()).toBe(before + 2);
    expect(t.app.storage.decisions.countDecisions()).toBe(0);
  });

  test('a scored crossing sees the outbound crossing recorded before it', async () => {
    const event = freshCrossing('cross-5');
    await record({ crossings: [{ ...hoursEarlier(event, 6), direction: 'outbound', port: '2506' }] });
    const scored = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: event });
    const features = t.app.storage.decisions.findDecision(scored.json<ScoreReply>().decisionId)!.features;
    expect(features[FEATURE_INDEX.vehicleHoursSinceLastOutbound]).toBeCloseTo(6, 5);
    expect(features[FEATURE_INDEX.vehicleDistinctPorts30d]).toBe(1);
    expect(features[FEATURE_INDEX.vehicleCrossings24h]).toBe(1);
  });

  test('an empty or oversized batch is refused as a whole', async () => {
    const empty = await record({ crossings: [] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toBe('crossings: at least one crossing is required');
    const big = await record({ crossings: Array.from({ length: 6 }, (_, i) => freshCrossing(`big-${i}`)) });
    expect(big.statusCode).toBe(400);
    expect(big.json().message).toBe('crossings: at most 5 crossings per request are allowed');
    const wrong = await record({ events: [] });
    expect(wrong.json().errors).toEqual(['crossings: is required', 'events: unknown field']);
  });
});

describe('a batch of the default size', () => {
  test('1,000 crossings fit the body limit (4 KiB a crossing, past the 64 KiB of other routes); more bytes than that get 413', async () => {
    const full = await buildTestApp({ clock: () => NOW });
    try {
      const crossings = Array.from({ length: 1000 }, (_, i) => ({ ...freshCrossing(`batch-${i}`), direction: 'outbound' as const }));
      const body = JSON.stringify({ crossings });
      expect(body.length).toBeGreaterThan(64 * 1024);
      const post = (payload: string) =>
        full.app.inject({ method: 'POST', url: '/v1/crossings', headers: { ...full.auth('officer'), 'content-type': 'application/json' }, payload });
      const response = await post(body);
      expect(response.statusCode).toBe(200);
      expect(response.json<CrossingsReply>().recorded).toBe(1000);
      const tooLarge = await post(`{"crossings": [], "pad": "${'x'.repeat(1000 * 4096)}"}`);
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json().message).toBe('body: is larger than the 4096000-byte limit');
    } finally {
      await full.close();
    }
  });
});
