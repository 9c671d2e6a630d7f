import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readTokenFile, revokeToken, writeTokenFile } from '../../service/auth/token-file.ts';
import { CONTENT_SECURITY_POLICY } from '../../service/dashboard/dashboard.plugin.ts';
import { startSeededService, type SeededService } from './seeded-service.ts';

/**
 * The dashboards' HTTP surface through fastify.inject on the real app (no browser): sign-in,
 * cookies, who may open what, the session's reach into the JSON API, security headers, assets.
 */
let s: SeededService;
let host: string;
let origin: string;

beforeAll(async () => {
  s = await startSeededService([]);
  origin = s.url;
  host = new URL(s.url).host;
});

afterAll(async () => {
  await s?.close();
});

async function signIn(token: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return s.app.inject({
    method: 'POST',
    url: '/dashboard/sign-in',
    headers: { host, origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({ token, next: '/dashboard/drift?from=2025-03-01' }).toString(),
  });
}

/** The cookie pair (name=value) a sign-in set. */
function cookieOf(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  if (first === undefined) throw new Error(`no Set-Cookie (status ${response.statusCode}: ${response.body.slice(0, 300)})`);
  return first.split(';')[0]!;
}

const get = (url: string, headers: Record<string, string> = {}) => s.app.inject({ method: 'GET', url, headers: { host, ...headers } });

describe('signing in', () => {
  test('a page without a session redirects to the sign-in form, which returns to it afterwards', async () => {
    const page = await get('/dashboard/fairness?attributes=sex');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(`/dashboard/sign-in?next=${encodeURIComponent('/dashboard/fairness?attributes=sex')}`);
    const form = await get(page.headers.location as string);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="next" value="/dashboard/fairness?attributes=sex"');
    expect((await get('/dashboard/')).headers.location).toBe('/dashboard/accuracy');
  });

  test('an oversight token gives an HttpOnly, SameSite=Strict session cookie that holds no token', async () => {
    const response = await signIn(s.tokens.oversight);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/dashboard/drift?from=2025-03-01');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^sr_dashboard=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(s.tokens.oversight);
    expect(cookie).not.toContain(s.tokens.oversight.slice(4, 20));
  });

  test('behind TLS the cookie is Secure and __Host- prefixed, and only that cookie counts', async () => {
    const response = await signIn(s.tokens.model_owner, { 'x-forwarded-proto': 'https' });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-sr_dashboard=[A-Za-z0-9_-]{43};.* Secure/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Domain');
    const tls = { 'x-forwarded-proto': 'https' };
    expect((await get('/dashboard/drift', { ...tls, cookie: cookieOf(response) })).statusCode).toBe(200);
    // The same session id in the plain cookie, as a sibling host or a page over http:// could plant it.
    const planted = cookieOf(response).replace('__Host-sr_dashboard=', 'sr_dashboard=');
    expect((await get('/dashboard/drift', { ...tls, cookie: planted })).statusCode).toBe(303);
  });

  test('an officer token is refused with 403 and no cookie; an unknown token with 401', async () => {
    const officer = await signIn(s.tokens.officer);
    expect(officer.statusCode).toBe(403);
    expect(officer.headers['set-cookie']).toBeUndefined();
    expect(officer.body).toContain('has the role officer');
    const unknown = await signIn(`srt_${'x'.repeat(43)}`);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['set-cookie']).toBeUndefined();
    const empty = await signIn('   ');
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('token: paste your API token');
  });

  test('a sign-in posted from another site is refused (login CSRF)', async () => {
    const response = await signIn(s.tokens.oversight, { origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.body).toContain('origin: https://evil.example is not this service');
  });

  test('an officer token sent as a bearer header to a page is refused', async () => {
    const response = await get('/dashboard/accuracy', { authorization: `Bearer ${s.tokens.officer}` });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('you are signed in as officer');
  });
});

describe('a session', () => {
  test('opens the pages of its role and reads the JSON API, but cannot write', async () => {
    const cookie = cookieOf(await signIn(s.tokens.oversight));
    for (const page of ['accuracy', 'fairness', 'drift', 'models', 'decisions']) {
      const response = await get(`/dashboard/${page}`, { cookie });
      expect(response.statusCode, page).toBe(200);
      expect(response.body).toContain(`src="/dashboard/assets/pages/${page}.js"`);
    }
    expect((await get('/v1/monitoring/performance', { cookie })).statusCode).toBe(200);
    const fairness = await get('/v1/monitoring/fairness?attributes=sex', { cookie });
    expect(fairness.statusCode).toBe(200);
    // What a role reads is kept by no cache and loaded by no other site.
    expect(fairness.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'same-origin' });
    const model = await get('/dashboard/api/model', { cookie });
    expect(model.statusCode).toBe(200);
    expect(model.json()).toMatchObject({ version: s.modelVersion, card: { modelDetails: { version: s.modelVersion } }, policy: { randomReferralRate: 0.05 } });
    // The cookie is a read credential only: a POST with it is unauthenticated.
    const write = await s.app.inject({ method: 'POST', url: '/v1/outcomes', headers: { host, origin, cookie, 'content-type': 'application/json' }, payload: '{}' });
    expect(write.statusCode).toBe(401);
  });

  test("a model owner's session opens accuracy, drift and models, not fairness or decisions", async () => {
    const cookie = cookieOf(await signIn(s.tokens.model_owner));
    const drift = await get('/dashboard/drift', { cookie });
    expect(drift.statusCode).toBe(200);
    expect(drift.body).toContain('data-nav="models"');
    expect(drift.body).not.toContain('data-nav="fairness"');
    expect(drift.body).not.toContain('data-nav="decisions"');
    const fairness = await get('/dashboard/fairness', { cookie });
    expect(fairness.statusCode).toBe(403);
    expect(fairness.body).toContain('The Fairness page is for oversight roles');
    expect((await get('/dashboard/decisions', { cookie })).statusCode).toBe(403);
    expect((await get('/v1/monitoring/fairness', { cookie })).statusCode).toBe(403);
    expect((await get('/v1/monitoring/drift', { cookie })).statusCode).toBe(200);
  });

  test('signing out (same origin only) ends the session', async () => {
    const cookie = cookieOf(await signIn(s.tokens.oversight));
    const forged = await s.app.inject({ method: 'POST', url: '/dashboard/sign-out', headers: { host, cookie, origin: 'https://evil.example' } });
    expect(forged.statusCode).toBe(403);
    expect((await get('/dashboard/accuracy', { cookie })).statusCode).toBe(200);

    const out = await s.app.inject({ method: 'POST', url: '/dashboard/sign-out', headers: { host, cookie, origin } });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/dashboard/sign-in?signed-out=1');
    expect(String(out.headers['set-cookie'])).toMatch(/^sr_dashboard=; Max-Age=0;/);
    expect((await get('/dashboard/accuracy', { cookie })).statusCode).toBe(303);
    expect((await get('/v1/monitoring/performance', { cookie })).statusCode).toBe(401);
  });

  test('revoking the token ends the session at the next request', async () => {
    const cookie = cookieOf(await signIn(s.tokens.oversight));
    expect((await get('/v1/monitoring/performance', { cookie })).statusCode).toBe(200);
    const file = join(s.dir, 'tokens.json');
    const before = readFileSync(file, 'utf8');
    try {
      writeTokenFile(file, revokeToken(readTokenFile(file), 'test-oversight'));
      s.app.tokens.reload();
      expect((await get('/v1/monitoring/performance', { cookie })).statusCode).toBe(401);
      expect((await get('/dashboard/accuracy', { cookie })).statusCode).toBe(303);
    } finally {
      writeTokenFile(file, JSON.parse(before) as ReturnType<typeof readTokenFile>);
      s.app.tokens.reload();
    }
  });
});

describe('what the pages are made of', () => {
  test('every dashboard reply carries a Content-Security-Policy that admits this origin only', async () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("style-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const cookie = cookieOf(await signIn(s.tokens.oversight));
    for (const url of ['/dashboard/sign-in', '/dashboard/accuracy', '/dashboard/assets/dashboard.css', '/dashboard/api/model']) {
      const response = await get(url, { cookie });
      expect(response.headers['content-security-policy'], url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  test('pages have no inline script or style, and load nothing from another origin', async () => {
    const cookie = cookieOf(await signIn(s.tokens.oversight));
    for (const url of ['/dashboard/sign-in', '/dashboard/accuracy', '/dashboard/fairness']) {
      const html = (await get(url, { cookie })).body;
      expect(html, url).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html, url).not.toMatch(/\sstyle=|<style/);
      expect(html, url).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  test('uPlot is served from node_modules; unknown asset paths are 404; unchanged assets revalidate with 304', async () => {
    const script = await get('/dashboard/assets/vendor/uPlot.iife.min.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe(readFileSync(join(import.meta.dirname, '../../node_modules/uplot/dist/uPlot.iife.min.js'), 'utf8'));
    const again = await get('/dashboard/assets/vendor/uPlot.iife.min.js', { 'if-none-match': String(script.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect((await get('/dashboard/assets/vendor/uPlot.min.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of ['/dashboard/assets/../../package.json', '/dashboard/assets/%2e%2e/%2e%2e/package.json', '/dashboard/assets/nothing.js']) {
      expect((await get(path)).statusCode, path).toBe(404);
    }
  });
});
