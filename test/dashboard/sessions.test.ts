import type { FastifyRequest } from 'fastify';
import { describe, expect, test } from 'vitest';
import type { Principal } from '../../service/auth/roles.ts';
import { safeNext } from '../../service/dashboard/dashboard.plugin.ts';
import { sameOriginProblem } from '../../service/dashboard/same-origin.ts';
import { createSessionStore } from '../../service/dashboard/sessions.ts';

const MINUTE = 60_000;

const PRINCIPALS: Record<string, Principal> = {
  'tok-oversight': { tokenId: 'tok_oversight01', name: 'reviewer', role: 'oversight' },
  'tok-owner': { tokenId: 'tok_modelowner1', name: 'owner', role: 'model_owner' },
  'tok-officer': { tokenId: 'tok_officer0001', name: 'console-1', role: 'officer' },
};

function setup() {
  let now = Date.parse('2025-03-01T08:00:00Z');
  const live = new Set(Object.keys(PRINCIPALS));
  let n = 0;
  const store = createSessionStore({
    authenticate: (token) => (live.has(token) ? PRINCIPALS[token] : undefined),
    clock: () => now,
    idleMs: 30 * MINUTE,
    absoluteMs: 12 * 60 * MINUTE,
    maxSessions: 3,
    newId: () => `${String(n++).padStart(3, '0')}${'s'.repeat(40)}`,
  });
  return { store, live, advance: (ms: number) => (now += ms) };
}

function signedIn(store: ReturnType<typeof setup>['store'], token: string): string {
  const result = store.signIn(token);
  if (result.outcome !== 'signed_in') throw new Error(`expected a session, got ${result.outcome}`);
  return result.sessionId;
}

describe('dashboard sessions', () => {
  test('only live tokens of the oversight and model_owner roles open a session', () => {
    const { store } = setup();
    expect(store.signIn('tok-unknown')).toEqual({ outcome: 'unknown_token' });
    expect(store.signIn('tok-officer')).toEqual({ outcome: 'role_refused', principal: PRINCIPALS['tok-officer'] });
    const owner = store.signIn('tok-owner');
    expect(owner).toMatchObject({ outcome: 'signed_in', principal: PRINCIPALS['tok-owner'], maxAgeSeconds: 12 * 3600 });
    expect(store.size()).toBe(1);
  });

  test('a session answers with its principal and token, and never for a malformed or unknown id', () => {
    const { store } = setup();
    const id = signedIn(store, 'tok-oversight');
    expect(store.principal(id)).toEqual(PRINCIPALS['tok-oversight']);
    expect(store.token(id)).toBe('tok-oversight');
    expect(store.principal(`${id.slice(0, -1)}x`)).toBeUndefined();
    expect(store.principal('short')).toBeUndefined();
    expect(store.token('tok-oversight')).toBeUndefined();
  });

  test('a session ends after 30 minutes idle, and use keeps it alive until the 12-hour limit', () => {
    const { store, advance } = setup();
    const idle = signedIn(store, 'tok-oversight');
    advance(29 * MINUTE);
    expect(store.principal(idle)).toBeDefined();
    advance(30 * MINUTE);
    expect(store.principal(idle)).toBeUndefined();

    const busy = signedIn(store, 'tok-oversight');
    for (let minutes = 0; minutes + 20 < 12 * 60; minutes += 20) {
      advance(20 * MINUTE);
      expect(store.principal(busy), `after ${minutes + 20} minutes of use`).toBeDefined();
    }
    advance(20 * MINUTE);
    expect(store.principal(busy)).toBeUndefined();
  });

  test('revoking the token ends its sessions at the next request', () => {
    const { store, live } = setup();
    const id = signedIn(store, 'tok-oversight');
    live.delete('tok-oversight');
    expect(store.token(id)).toBeUndefined();
    live.add('tok-oversight');
    expect(store.principal(id)).toBeUndefined();
  });

  test('signing out ends the session; beyond the maximum the least recently used session ends', () => {
    const { store } = setup();
    const a = signedIn(store, 'tok-oversight');
    const b = signedIn(store, 'tok-owner');
    const c = signedIn(store, 'tok-oversight');
    store.principal(a); // a is now more recently used than b
    const d = signedIn(store, 'tok-owner');
    expect(store.principal(b)).toBeUndefined();
    expect([a, c, d].map((id) => store.principal(id) !== undefined)).toEqual([true, true, true]);
    store.signOut(c);
    expect(store.principal(c)).toBeUndefined();
    expect(store.size()).toBe(2);
  });
});

function request(headers: Record<string, string>): FastifyRequest {
  return { headers } as unknown as FastifyRequest;
}

describe('same-origin check for sign-in and sign-out', () => {
  test('a form posted from the service itself passes, whatever the scheme in front of it', () => {
    expect(sameOriginProblem(request({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }))).toBeUndefined();
    expect(sameOriginProblem(request({ host: 'referral.port.example', origin: 'https://referral.port.example' }))).toBeUndefined();
    // Not a browser: no Origin, no Sec-Fetch-Site.
    expect(sameOriginProblem(request({ host: 'referral.port.example' }))).toBeUndefined();
  });

  test('another origin, an opaque origin or a cross-site fetch is refused, naming the header', () => {
    expect(sameOriginProblem(request({ host: 'referral.port.example', origin: 'https://evil.example' }))).toMatch(/^origin: https:\/\/evil\.example is not this service/);
    expect(sameOriginProblem(request({ host: 'referral.port.example', origin: 'null' }))).toMatch(/^origin: an opaque origin/);
    expect(sameOriginProblem(request({ host: 'referral.port.example', 'sec-fetch-site': 'cross-site' }))).toMatch(/^sec-fetch-site: a cross-site request/);
    expect(sameOriginProblem(request({ host: 'referral.port.example', 'sec-fetch-site': 'same-site' }))).toMatch(/^sec-fetch-site: a same-site request/);
  });
});

describe('where sign-in returns to', () => {
  test('a dashboard path with its query is kept; anything else becomes the Accuracy page', () => {
    expect(safeNext('/dashboard/fairness?attributes=sex&from=2025-03-01')).toBe('/dashboard/fairness?attributes=sex&from=2025-03-01');
    for (const bad of ['https://evil.example/', '//evil.example/dashboard/', '/dashboard/../v1/score', '/dashboard/a/b', '/v1/decisions/x', 'javascript:alert(1)', 42, undefined]) {
      expect(safeNext(bad), String(bad)).toBe('/dashboard/accuracy');
    }
  });
});
