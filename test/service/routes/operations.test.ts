import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ScoreReply } from '../../../service/scoring/score.route.ts';
import { freshCrossing, NOW } from '../helpers/crossings.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock: () => NOW });
});
afterAll(async () => {
  await t.close();
});

describe('probes', () => {
  test('live, and ready once the model is warmed and the store answers', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'live' });
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { model: true, store: true, decisionLog: true, accepting: true, diskSpace: true }, model: { version: 'test-lr' } });
  });

  test('not ready on a disk without room for writes (its first write would stop the service)', async () => {
    const full = await buildTestApp({ clock: () => NOW, freeDiskBytes: async () => 10 * 1024 * 1024 });
    try {
      const ready = await full.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { model: true, store: true, decisionLog: true, accepting: true, diskSpace: false } });
    } finally {
      await full.close();
    }
  });
});

describe('GET /metrics', () => {
  test('latency by route and status, scores, referrals by port, selection and model, the loaded model', async () => {
    for (let i = 0; i < 3; i++) {
      await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: freshCrossing(`metrics-${i}`) });
    }
    const referred = t.app.storage.databases.read.prepare("SELECT count(*) AS n FROM decisions WHERE recommendation = 'refer'").get() as { n: number };
    const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('scraper') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/score",status_code="200"\} 3/);
    expect(text).toMatch(/referral_score_count\{model_version="test-lr"\} 3/);
    expect(text).toMatch(/referral_decisions_total\{port="2504",model_version="test-lr"\} 3/);
    if (referred.n > 0) expect(text).toContain(`referral_referrals_total{port="2504",selection="model",model_version="test-lr"} ${referred.n}`);
    expect(text).toMatch(/referral_model_info\{version="test-lr",feature_spec_hash="[0-9a-f]{64}"\} 1/);
    expect(text).toMatch(/referral_decision_log_batch_size_count \d+/);
  });
});

describe('errors', () => {
  test('an unknown route is a 404 in the common error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v2/nothing?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ statusCode: 404, error: 'Not Found', message: 'no route GET /v2/nothing' });
  });

  test('a 5xx is generic, carries the request id, and says nothing of the cause', async () => {
    const scored = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: freshCrossing('err-1') });
    const id = scored.json<ScoreReply>().decisionId;
    // Break the read connection under an app of its own (one service per database): the decision
    // read throws inside the handler.
    const broken = await buildTestApp({ clock: () => NOW });
    broken.app.storage.databases.read.close();
    const response = await broken.app.inject({ method: 'GET', url: `/v1/decisions/${id}`, headers: { ...broken.auth('officer'), 'x-request-id': 'req-42' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error; quote request id req-42',
      errors: ['internal error; quote request id req-42'],
      requestId: 'req-42',
    });
    expect(response.headers['x-request-id']).toBe('req-42');
    await broken.close();
  });
});

describe('overload', () => {
  test('beyond MAX_IN_FLIGHT write requests get 503 with Retry-After at once, and record nothing', async () => {
    const small = await buildTestApp({ clock: () => NOW, env: { MAX_IN_FLIGHT: '2' } });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        small.app.inject({ method: 'POST', url: '/v1/score', headers: small.auth('officer'), payload: freshCrossing(`load-${i}`) }),
      ),
    );
    const codes = replies.map((r) => r.statusCode);
    const shed = replies.filter((r) => r.statusCode === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(2);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    for (const r of shed) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json().message).toBe('too many requests in flight (2); retry after 1 s');
    }
    expect(small.app.storage.decisions.countDecisions()).toBe(codes.filter((c) => c === 200).length);
    await small.close();
  });
});

describe('OpenAPI at /docs', () => {
  test('Swagger UI is served locally, and every operation documents every status it returns', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'served from this service, not a CDN').toMatch(/^\/docs\/static\//);
      expect((await t.app.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
    }
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
    }>();
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const status of ['200', ...(path.startsWith('/health') ? [] : ['401', '403', '500', '503'])]) {
          expect(operation.responses[status]?.content?.['application/json']?.schema, `${method} ${path} ${status}`).toBeDefined();
        }
      }
    }
  });

  test('the probes are documented as open, every other operation as needing the bearer token', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      security?: unknown;
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    expect(spec.security).toEqual([{ bearer: [] }]);
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.security, `${method} ${path}`).toEqual(path.startsWith('/health/') ? [] : undefined);
      }
    }
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 'and they are open').toBe(200);
  });

  test('the generated document matches service/openapi.json (UPDATE_OPENAPI=1 rewrites it)', async () => {
    const generated = `${JSON.stringify((await t.app.inject({ method: 'GET', url: '/docs/json' })).json(), null, 2)}\n`;
    const file = join(import.meta.dirname, '../../../service/openapi.json');
    if (process.env.UPDATE_OPENAPI === '1') await writeFile(file, generated);
    const committed = await readFile(file, 'utf8').catch(() => '(missing: run UPDATE_OPENAPI=1 npx vitest run test/service/routes/operations.test.ts)');
    expect(generated, 'the API changed: review the diff, then run UPDATE_OPENAPI=1 npx vitest run test/service/routes/operations.test.ts').toBe(committed);
  });
});

describe('logs', () => {
  test('one JSON line per request with the request id, and no raw identifier, body or token', async () => {
    const lines: string[] = [];
    const logged = await buildTestApp({ clock: () => NOW, logLines: lines });
    const event = freshCrossing('LOGPLATE1');
    await logged.app.inject({ method: 'POST', url: '/v1/score', headers: { ...logged.auth('officer'), 'x-request-id': 'console-7-42' }, payload: event });
    await logged.app.inject({ method: 'POST', url: '/v1/score', headers: logged.auth('officer'), payload: { ...event, port: 'SY' } });
    await logged.app.inject({
      method: 'POST',
      url: '/v1/score',
      headers: { ...logged.auth('officer'), 'content-type': 'application/json' },
      payload: '{"vehicle":{"plate":"LOGPLATE2"',
    });
    await logged.app.inject({ method: 'GET', url: '/v1/decisions/x?plate=LOGPLATE3', headers: logged.auth('officer') });
    await logged.close();
    const text = lines.join('');
    for (const secret of ['LOGPLATE', 'LOGPLATE1-0', event.occupants[0]!.travelerId, logged.tokens.officer, 'Bearer']) {
      expect(text).not.toContain(secret);
    }
    const completed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed');
    expect(completed[0]).toMatchObject({ reqId: 'console-7-42', method: 'POST', route: '/v1/score', statusCode: 200 });
    expect(completed.map((l) => l.statusCode)).toEqual([200, 400, 400, 400]);
    expect(completed[3]).toMatchObject({ route: '/v1/decisions/:id' });
  });
});
