import type { FastifyRequest } from 'fastify';

/**
 * Same-origin check for the dashboards' state-changing requests (sign-in, sign-out), the second
 * CSRF defence after SameSite=Strict (OWASP CSRF Prevention Cheat Sheet, "Verifying origin with
 * standard headers"; Fetch Metadata).
 *
 * Browsers send `Origin` on every POST and `Sec-Fetch-Site` on every request. A request is refused
 * when `Origin` names another host than the one it was sent to (the Host header, which is what the
 * browser connected to; the scheme is not compared, so TLS ended at a proxy still matches), or when
 * `Sec-Fetch-Site` says cross-site or same-site. A client that sends neither header is not a
 * browser (curl, a script holding the token itself) and cannot be the victim of a forged request.
 */
export function sameOriginProblem(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (origin === 'null') return 'origin: an opaque origin ("null") may not sign in or out';
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return `origin: "${origin}" is not a URL`;
    }
    if (host === undefined || originHost.toLowerCase() !== host.toLowerCase()) {
      return `origin: ${origin} is not this service (${host ?? 'no Host header'}); sign in from the dashboard's own page`;
    }
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `sec-fetch-site: a ${site} request may not sign in or out; use the dashboard's own page`;
  }
  return undefined;
}
