import { randomBytes } from 'node:crypto';
import type { Principal, Role } from '../auth/roles.ts';

/**
 * Dashboard sessions: a browser signs in once with its API token and then carries only a random
 * session id in a cookie (session-cookie.ts). The id maps, in this process's memory, to the token
 * it was opened with.
 *
 * Why the server keeps the token (in memory only, never in the cookie, on disk or in a log): each
 * request re-checks it against the live token registry, so revoking the token with
 * `npm run token -- revoke` ends its dashboard sessions at the next request, and a session can
 * never outlive or outrank its token. The registry already holds live tokens in memory
 * (token-registry.ts `checked`), so this adds no new place a token can leak from.
 *
 * Expiry: a session ends after `idleMs` without a request, and `absoluteMs` after sign-in whatever
 * its use (OWASP Session Management Cheat Sheet: idle and absolute timeouts). Sessions live in one
 * process: a restart signs everyone out, which is acceptable for a few oversight users.
 */

/** The roles the dashboards admit (DESIGN.md: GET /dashboard/ is for oversight and model owners). */
export const DASHBOARD_ROLES: readonly Role[] = ['oversight', 'model_owner'];

export const DEFAULT_IDLE_MS = 30 * 60_000;
export const DEFAULT_ABSOLUTE_MS = 12 * 3_600_000;
export const DEFAULT_MAX_SESSIONS = 10_000;

export interface SessionStoreOptions {
  /** The token registry's check: the principal of a live token, else undefined. */
  readonly authenticate: (token: string) => Principal | undefined;
  readonly clock?: () => number;
  readonly idleMs?: number;
  readonly absoluteMs?: number;
  /** Open sessions kept at most; signing in beyond it ends the least recently used. */
  readonly maxSessions?: number;
  /** 32 random bytes by default; tests may pass their own. */
  readonly newId?: () => string;
}

export type SignInResult =
  | { readonly outcome: 'signed_in'; readonly sessionId: string; readonly principal: Principal; readonly maxAgeSeconds: number }
  | { readonly outcome: 'unknown_token' }
  | { readonly outcome: 'role_refused'; readonly principal: Principal };

export interface SessionStore {
  /** Opens a session for a live token of a dashboard role. */
  signIn(token: string): SignInResult;
  /** The principal of a live session (and refreshes its idle timer), else undefined. */
  principal(sessionId: string): Principal | undefined;
  /** The token a live session was opened with (for the auth plugin's token sources), else undefined. */
  token(sessionId: string): string | undefined;
  signOut(sessionId: string): void;
  /** Open sessions (expired ones are dropped when met or when a session is opened). */
  size(): number;
}

interface Session {
  readonly token: string;
  readonly openedAt: number;
  lastSeenAt: number;
}

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const clock = options.clock ?? Date.now;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const absoluteMs = options.absoluteMs ?? DEFAULT_ABSOLUTE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const newId = options.newId ?? ((): string => randomBytes(32).toString('base64url'));
  // A Map keeps insertion order; a session seen again is moved to the end, so the first key is the least recently used.
  const sessions = new Map<string, Session>();

  const expired = (s: Session, now: number): boolean => now - s.lastSeenAt >= idleMs || now - s.openedAt >= absoluteMs;

  const sweep = (now: number): void => {
    for (const [id, s] of sessions) if (expired(s, now)) sessions.delete(id);
    while (sessions.size >= maxSessions) {
      const oldest = sessions.keys().next().value;
      if (oldest === undefined) break;
      sessions.delete(oldest);
    }
  };

  /** The session and its principal when it is open, unexpired, and its token is still live with a dashboard role. */
  const live = (sessionId: string): { session: Session; principal: Principal } | undefined => {
    if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
    const session = sessions.get(sessionId);
    if (session === undefined) return undefined;
    const now = clock();
    const principal = expired(session, now) ? undefined : options.authenticate(session.token);
    // Expired, or its token revoked since: the session ends.
    if (principal === undefined || !DASHBOARD_ROLES.includes(principal.role)) {
      sessions.delete(sessionId);
      return undefined;
    }
    session.lastSeenAt = now;
    sessions.delete(sessionId);
    sessions.set(sessionId, session);
    return { session, principal };
  };

  return {
    signIn(token) {
      const principal = options.authenticate(token);
      if (principal === undefined) return { outcome: 'unknown_token' };
      if (!DASHBOARD_ROLES.includes(principal.role)) return { outcome: 'role_refused', principal };
      const now = clock();
      sweep(now);
      const sessionId = newId();
      if (!SESSION_ID_PATTERN.test(sessionId)) throw new Error('session ids must be 43 base64url characters (32 random bytes)');
      sessions.set(sessionId, { token, openedAt: now, lastSeenAt: now });
      return { outcome: 'signed_in', sessionId, principal, maxAgeSeconds: Math.floor(absoluteMs / 1000) };
    },

    principal(sessionId) {
      return live(sessionId)?.principal;
    },

    token(sessionId) {
      return live(sessionId)?.session.token;
    },

    signOut(sessionId) {
      sessions.delete(sessionId);
    },

    size() {
      const now = clock();
      for (const [id, s] of sessions) if (expired(s, now)) sessions.delete(id);
      return sessions.size;
    },
  };
}
