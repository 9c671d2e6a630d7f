import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../auth/roles.ts';
import { loadAssets } from './assets.ts';
import { registerModelRoute } from './model.route.ts';
import { DEFAULT_PAGE, pageBySlug, renderPage, renderRefused, renderSignIn } from './pages.ts';
import { sameOriginProblem } from './same-origin.ts';
import { clearedSessionCookie, isSecureRequest, sessionCookie, sessionIdOf, type CookieCodec } from './session-cookie.ts';
import { createSessionStore, type SessionStore } from './sessions.ts';

/**
 * The dashboards, served by the service itself under /dashboard/ (issue 6):
 *
 *   GET  /dashboard/                 → the Accuracy page (the query string is kept)
 *   GET  /dashboard/sign-in          the sign-in form
 *   POST /dashboard/sign-in          token → session cookie (oversight and model_owner only)
 *   POST /dashboard/sign-out         ends the session
 *   GET  /dashboard/:page            accuracy, fairness, drift, models, decisions
 *   GET  /dashboard/api/model        the loaded model's card and the referral policy (JSON)
 *   GET  /dashboard/assets/*         scripts, styles, uPlot (from node_modules)
 *
 * The pages draw themselves from the JSON API (/v1/monitoring/*, /v1/decisions/:id): this plugin
 * adds the session cookie as a token source of the auth plugin (auth.plugin.ts `addTokenSource`)
 * for GET and HEAD requests only, so a session reads what its token may read, and never writes.
 * The dashboards show exactly what the API answers and compute nothing of their own.
 *
 * Pages, sign-in and assets are `public` to the bearer-token hook and guarded here instead: a page
 * requested without a session redirects to the sign-in form rather than answering 401. Every reply
 * of this plugin carries a Content-Security-Policy that admits scripts, styles, images, fonts and
 * connections from this origin only, and nothing inline.
 */

export interface DashboardPluginOptions {
  /** Default: a new in-memory store checking tokens against the auth plugin's registry. */
  readonly sessions?: SessionStore;
  readonly clock?: () => number;
  /** REFERRAL_BUDGETS, shown on the Models page and as the Accuracy page's budget line. */
  readonly budgets: ReadonlyMap<string, number>;
  readonly randomReferralRate: number;
  /** Default: service/dashboard/static beside this file. */
  readonly staticDir?: string;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * Referrer-Policy same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on a
 * form POST, which the same-origin check must refuse; same-origin still tells other sites nothing.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const FORM_LIMIT_BYTES = 4096;
/** Pages, forms and assets are for browsers, not API clients: left out of the OpenAPI document at /docs. */
const PAGE_SCHEMA = { hide: true };
const NEXT_PATTERN = /^\/dashboard\/[A-Za-z0-9_-]*(\?[^\s\\#]*)?$/;

/** A dashboard path to return to after signing in; anything else (another site, a protocol-relative URL) becomes the default page. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.length <= 2000 && NEXT_PATTERN.test(next) && !next.startsWith('//') ? next : `/dashboard/${DEFAULT_PAGE}`;
}

const signInFormSchema = z.object({
  token: z.string().trim().min(1, { error: 'paste your API token' }).max(200, { error: 'is longer than any API token' }),
  next: z.string().optional(),
});

const pageParamsSchema = z.object({ page: z.string() });

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export default async function dashboardPlugin(fastify: FastifyInstance, options: DashboardPluginOptions): Promise<void> {
  const sessions = options.sessions ?? createSessionStore({ authenticate: (token) => fastify.tokens.authenticate(token), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const assets = loadAssets(options.staticDir ?? join(import.meta.dirname, 'static'));
  // The cookie parser and serializer only (hook: false: no cookie is parsed for routes that do not
  // ask), unless the app registered @fastify/cookie already.
  if (!fastify.hasDecorator('parseCookie')) await fastify.register(fastifyCookie, { hook: false });
  const cookies: CookieCodec = { parse: (header) => fastify.parseCookie(header), serialize: (name, value, o) => fastify.serializeCookie(name, value, o) };

  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  // Read-only: a session authenticates GET and HEAD requests, never a write, whatever the route.
  fastify.addTokenSource((request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const sessionId = sessionIdOf(cookies, request);
    return sessionId === undefined ? undefined : sessions.token(sessionId);
  });

  // HTML forms post application/x-www-form-urlencoded; only the two small forms here accept it.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** The caller of a page: a bearer token when one is sent (scripts, curl), else the session cookie. */
  const callerOf = (request: FastifyRequest): { principal: Principal | undefined; via: 'bearer' | 'session' | 'none' } => {
    const header = request.headers.authorization;
    if (header !== undefined && header !== '') {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      return { principal: token === undefined ? undefined : fastify.tokens.authenticate(token), via: 'bearer' };
    }
    const sessionId = sessionIdOf(cookies, request);
    return sessionId === undefined ? { principal: undefined, via: 'none' } : { principal: sessions.principal(sessionId), via: 'session' };
  };

  const redirectToSignIn = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    reply.code(303).header('cache-control', 'no-store').redirect(`/dashboard/sign-in?next=${encodeURIComponent(safeNext(request.url))}`, 303);

  fastify.get('/dashboard', { config: { public: true }, schema: PAGE_SCHEMA }, async (request, reply) => reply.redirect(`/dashboard/${DEFAULT_PAGE}${queryOf(request.url)}`, 302));
  fastify.get('/dashboard/', { config: { public: true }, schema: PAGE_SCHEMA }, async (request, reply) => reply.redirect(`/dashboard/${DEFAULT_PAGE}${queryOf(request.url)}`, 302));

  fastify.get('/dashboard/sign-in', { config: { public: true }, schema: PAGE_SCHEMA }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const next = safeNext(query.next);
    const sessionId = sessionIdOf(cookies, request);
    if (sessionId !== undefined && sessions.principal(sessionId) !== undefined) return reply.redirect(next, 303);
    return html(reply, 200, renderSignIn({ next, ...(query['signed-out'] === '1' ? { notice: 'You are signed out.' } : {}) }));
  });

  fastify.post('/dashboard/sign-in', { config: { public: true }, schema: PAGE_SCHEMA, bodyLimit: FORM_LIMIT_BYTES }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const crossSite = sameOriginProblem(request);
    if (crossSite !== undefined) {
      request.log.warn({ problem: crossSite }, 'dashboard sign-in refused: not same-origin');
      return html(reply, 403, renderSignIn({ next, problem: `Refused: ${crossSite}.` }));
    }
    const form = signInFormSchema.safeParse(body);
    if (!form.success) return html(reply, 400, renderSignIn({ next, problem: `token: ${form.error.issues[0]?.message ?? 'is required'}.` }));
    const result = sessions.signIn(form.data.token);
    switch (result.outcome) {
      case 'unknown_token':
        request.log.info('dashboard sign-in refused: unknown or revoked token');
        return html(reply, 401, renderSignIn({ next, problem: 'That token is unknown or revoked. Check it, or ask an administrator for a new one.' }));
      case 'role_refused':
        request.log.info({ tokenId: result.principal.tokenId, role: result.principal.role }, 'dashboard sign-in refused: role');
        return html(
          reply,
          403,
          renderRefused(`The dashboards are for oversight staff and model owners; this token (${result.principal.name}) has the role ${result.principal.role}.`, false),
        );
      case 'signed_in':
        request.log.info({ tokenId: result.principal.tokenId, role: result.principal.role }, 'dashboard sign-in');
        return reply
          .header('set-cookie', sessionCookie(cookies, result.sessionId, isSecureRequest(request), result.maxAgeSeconds))
          .header('cache-control', 'no-store')
          .redirect(next, 303);
    }
  });

  fastify.post('/dashboard/sign-out', { config: { public: true }, schema: PAGE_SCHEMA, bodyLimit: FORM_LIMIT_BYTES }, async (request, reply) => {
    const crossSite = sameOriginProblem(request);
    if (crossSite !== undefined) {
      request.log.warn({ problem: crossSite }, 'dashboard sign-out refused: not same-origin');
      return html(reply, 403, renderRefused(`Refused: ${crossSite}.`, false));
    }
    const sessionId = sessionIdOf(cookies, request);
    if (sessionId !== undefined) sessions.signOut(sessionId);
    return reply
      .header('set-cookie', clearedSessionCookie(cookies, isSecureRequest(request)))
      .header('cache-control', 'no-store')
      .redirect('/dashboard/sign-in?signed-out=1', 303);
  });

  fastify.get('/dashboard/assets/*', { config: { public: true }, schema: PAGE_SCHEMA }, async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const asset = assets.get(name);
    if (asset === undefined) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(`no dashboard asset ${name}`);
    reply.header('etag', asset.etag).header('cache-control', 'no-cache').header('content-type', asset.contentType);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });

  fastify.get('/dashboard/:page', { config: { public: true }, schema: PAGE_SCHEMA }, async (request, reply) => {
    const { page: slug } = pageParamsSchema.parse(request.params);
    const page = pageBySlug(slug);
    if (page === undefined) return html(reply, 404, renderRefused(`There is no dashboard page "${slug}".`, true));
    const caller = callerOf(request);
    if (caller.principal === undefined) {
      if (caller.via === 'bearer') return html(reply, 401, renderRefused('The bearer token is unknown or revoked.', false));
      return redirectToSignIn(request, reply);
    }
    if (!page.roles.includes(caller.principal.role)) {
      return html(reply, 403, renderRefused(`The ${page.title} page is for ${page.roles.join(' and ')} roles; you are signed in as ${caller.principal.role}.`, caller.via === 'session'));
    }
    return html(reply, 200, renderPage(page, caller.principal));
  });

  registerModelRoute(fastify, { budgets: options.budgets, randomReferralRate: options.randomReferralRate });
}

function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
}
