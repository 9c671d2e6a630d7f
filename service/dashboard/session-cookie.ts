import type { FastifyRequest } from 'fastify';

/**
 * The session cookie: the random session id only (sessions.ts), HttpOnly (no script reads it),
 * SameSite=Strict (no cross-site request carries it: the CSRF defence, with the same-origin check
 * of same-origin.ts on the two POSTs), Path=/ (the dashboards' JSON comes from /v1/monitoring/*).
 *
 * Secure when the request came over TLS, directly or through a proxy that says so in
 * X-Forwarded-Proto. Trusting that header here is safe: it can only make the cookie stricter. A
 * Secure cookie takes the `__Host-` prefix, which browsers accept only with Secure, Path=/ and no
 * Domain, so a sibling host cannot plant or overwrite it.
 */

export const SESSION_COOKIE = 'sr_dashboard';

/** @fastify/cookie's parser and serializer (its `parseCookie` and `serializeCookie` decorators). */
export interface CookieCodec {
  parse(header: string): Record<string, string | undefined>;
  serialize(name: string, value: string, options: { httpOnly: boolean; sameSite: 'strict'; secure: boolean; path: string; maxAge: number; expires?: Date }): string;
}
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

export function isSecureRequest(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/**
 * The session id the request carries, if any. Over TLS only the `__Host-` cookie counts: the plain
 * one can be planted by a sibling host or over http://, which would sign the victim in as the
 * planter.
 */
export function sessionIdOf(codec: CookieCodec, request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined || header === '') return undefined;
  const cookies = codec.parse(header);
  return isSecureRequest(request) ? cookies[SECURE_SESSION_COOKIE] : cookies[SESSION_COOKIE];
}

/** Set-Cookie for a new session. */
export function sessionCookie(codec: CookieCodec, sessionId: string, secure: boolean, maxAgeSeconds: number): string {
  return codec.serialize(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(codec: CookieCodec, secure: boolean): string {
  return codec.serialize(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: 0,
    expires: new Date(0),
  });
}
