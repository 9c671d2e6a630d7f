import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, type Role } from '../../../service/auth/roles.ts';
import type { ScoreReply } from '../../../service/scoring/score.route.ts';
import { freshCrossing, NOW } from '../helpers/crossings.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let decisionId: string;
beforeAll(async () => {
  t = await buildTestApp({ clock: () => NOW });
  const scored = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: freshCrossing('auth-0') });
  decisionId = scored.json<ScoreReply>().decisionId;
});
afterAll(async () => {
  await t.close();
});

interface RouteCase {
  readonly method: 'GET' | 'POST';
  readonly url: () => string;
  readonly payload?: () => object;
  readonly roles: readonly Role[];
}

let counter = 0;
const ROUTES: readonly RouteCase[] = [
  { method: 'POST', url: () => '/v1/score', payload: () => freshCrossing(`auth-${++counter}`), roles: ['officer'] },
  { method: 'POST', url: () => '/v1/crossings', payload: () => ({ crossings: [freshCrossing(`auth-${++counter}`)] }), roles: ['officer'] },
  { method: 'POST', url: () => '/v1/outcomes', payload: () => ({ decisionId, referred: false }), roles: ['officer'] },
  { method: 'GET', url: () => `/v1/decisions/${decisionId}`, roles: ['officer', 'oversight'] },
  { method: 'GET', url: () => '/metrics', roles: ['scraper', 'admin'] },
];

describe('roles on every route', () => {
  for (const route of ROUTES) {
    for (const role of ROLES) {
      const allowed = route.roles.includes(role);
      test(`${route.method} ${route.url()} as ${role}: ${allowed ? 'admitted' : '403'}`, async () => {
        const response = await t.app.inject({ method: route.method, url: route.url(), headers: t.auth(role), ...(route.payload ? { payload: route.payload() } : {}) });
        if (allowed) {
          expect(response.statusCode).toBe(200);
        } else {
          expect(response.statusCode).toBe(403);
          expect(response.json().message).toMatch(new RegExp(`^role ${role} may not use ${route.method} .*; it needs ${route.roles.join(' or ')}$`));
        }
      });
    }
  }

  test('a 403 records nothing', async () => {
    const before = t.app.storage.decisions.countDecisions();
    const response = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('oversight'), payload: freshCrossing('auth-403') });
    expect(response.statusCode).toBe(403);
    expect(t.app.storage.decisions.countDecisions()).toBe(before);
  });
});

describe('401 on every documented route and /metrics', () => {
  test('without a token, with a malformed header, and with an unknown or revoked-looking token', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const routes: [string, string][] = [['get', '/metrics']];
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const method of Object.keys(operations)) routes.push([method, path.replace('{id}', decisionId)]);
    }
    const protectedRoutes = routes.filter(([, path]) => !path.startsWith('/health'));
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(5);
    for (const [method, url] of protectedRoutes) {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer srt_0000000000000000000000000000000000000000000']) {
        const response = await t.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: authorization === undefined ? {} : { authorization },
          payload: method === 'get' ? undefined : {},
        });
        expect(response.statusCode, `${method} ${url} with ${authorization ?? 'no header'}`).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="secondary-referral"');
        expect(response.json().message).toMatch(/^authorization: /);
      }
    }
  });

  test('probes and docs are open', async () => {
    for (const url of ['/health/live', '/health/ready', '/docs', '/docs/json']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeLessThan(400);
    }
  });
});

describe('other token sources', () => {
  test('a registered source (e.g. a session cookie) is asked when there is no Authorization header', async () => {
    t.app.addTokenSource((request) => {
      const value = request.headers['x-test-session'];
      return typeof value === 'string' ? value : undefined;
    });
    const viaSource = await t.app.inject({ method: 'GET', url: `/v1/decisions/${decisionId}`, headers: { 'x-test-session': t.tokens.oversight } });
    expect(viaSource.statusCode).toBe(200);
    // The role still decides, and a bad Authorization header is not rescued by the source.
    const wrongRole = await t.app.inject({ method: 'GET', url: `/v1/decisions/${decisionId}`, headers: { 'x-test-session': t.tokens.admin } });
    expect(wrongRole.statusCode).toBe(403);
    const badHeader = await t.app.inject({
      method: 'GET',
      url: `/v1/decisions/${decisionId}`,
      headers: { authorization: 'Bearer nope', 'x-test-session': t.tokens.oversight },
    });
    expect(badHeader.statusCode).toBe(401);
  });
});
