import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../http/errors.ts';
import type { Principal, Role } from './roles.ts';
import type { TokenRegistry } from './token-registry.ts';

/**
 * Bearer tokens and roles, on every route. Each route states its access in its config:
 * `config: { roles: ['officer'] }` or `config: { public: true }` (probes, docs). A route that
 * states neither is refused when it is registered, so no route is open by omission.
 *
 * 401 (with WWW-Authenticate, RFC 6750 §3) when the token is missing, malformed, unknown or
 * revoked; 403 when the token's role is not among the route's.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted; required unless `public`. */
    roles?: readonly Role[];
    /** Open to anyone: health probes and the API documentation. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated caller; set before the handler on every non-public route. */
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    tokens: TokenRegistry;
    /**
     * Another place a request may carry its token when it has no Authorization header, e.g. the
     * dashboards' session cookie. Sources are asked in the order added; the first answer counts.
     */
    addTokenSource(source: TokenSource): void;
  }
}

export type TokenSource = (request: FastifyRequest) => string | undefined;

export interface AuthPluginOptions {
  readonly tokens: TokenRegistry;
  /** Routes under these prefixes, registered by documentation plugins, are public. */
  readonly publicPrefixes?: readonly string[];
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="secondary-referral"' };

/** The caller of a route that requires a role; throws when a public route asks. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new Error(`route ${request.routeOptions.url ?? request.url} has no authenticated principal`);
  return request.principal;
}

export default fp<AuthPluginOptions>(
  async (fastify, options) => {
    const publicPrefixes = options.publicPrefixes ?? ['/docs'];
    const sources: TokenSource[] = [];
    fastify.decorate('tokens', options.tokens);
    fastify.decorate('addTokenSource', (source: TokenSource) => {
      sources.push(source);
    });
    fastify.decorateRequest('principal', undefined);

    /** The bearer token of the Authorization header, else of the first source that has one. */
    const tokenOf = (request: FastifyRequest): string => {
      const header = request.headers.authorization;
      if (header === undefined || header === '') {
        for (const source of sources) {
          const token = source(request);
          if (token !== undefined) return token;
        }
        throw new HttpError(401, 'authorization: a bearer token is required (Authorization: Bearer <token>)', undefined, CHALLENGE);
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) throw new HttpError(401, 'authorization: must be "Bearer <token>"', undefined, CHALLENGE);
      return match[1]!;
    };

    fastify.addHook('onRoute', (route) => {
      const config = route.config ?? {};
      if (config.public === true || (config.roles !== undefined && config.roles.length > 0)) return;
      if (publicPrefixes.some((prefix) => route.url.startsWith(prefix))) {
        route.config = { ...config, public: true };
        return;
      }
      throw new Error(`route ${String(route.method)} ${route.url} declares neither config.roles nor config.public`);
    });

    fastify.addHook('onRequest', async (request) => {
      if (request.is404) return;
      const config = request.routeOptions.config;
      if (config.public === true) return;
      const principal = options.tokens.authenticate(tokenOf(request));
      if (principal === undefined) throw new HttpError(401, 'authorization: the token is unknown or revoked', undefined, CHALLENGE);
      const roles = config.roles ?? [];
      if (!roles.includes(principal.role)) {
        throw new HttpError(403, `role ${principal.role} may not use ${request.method} ${request.routeOptions.url ?? ''}; it needs ${roles.join(' or ')}`);
      }
      request.principal = principal;
    });

    // What a role may read is private to it: decisions with audit attributes, fairness tables,
    // exports. No cache (a browser's or a proxy's: dashboards authenticate by cookie, which does not
    // keep a shared cache from storing the reply) may keep it, and no other site may load it.
    fastify.addHook('onSend', async (request, reply) => {
      if (request.principal === undefined) return;
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cross-origin-resource-policy', 'same-origin');
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['error-handler'] },
);
