/**
 * The authentication and authorisation plugin of a cloud HTTP service.
 * - Every route must declare `config.access` (auth/access.ts); `ready()` fails otherwise, so a new route without
 *   a declaration cannot ship.
 * - onRequest: credentials are resolved to `request.principal` (a failure is kept for later, so the per-caller
 *   rate limit, which runs next, can still count the request by address).
 * - preParsing: the decision: 401 without a valid principal, 403 for a role the route does not allow. The body
 *   of a refused request is never read.
 * Data scoping (404 for other customers' rows) is the handlers' job, through auth/scope.ts.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { checkRole, isPublic, validateAccess, type RouteAccess } from './access.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './roles.js';
import { scopeOf, type CustomerScope } from './scope.js';
import { CloudErrors } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route and how it scopes data; required on every route. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes. */
    principal: Principal | null;
    authFailure: unknown;
  }
}

export interface AuthPluginOptions {
  readonly authenticator: Authenticator;
}

export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess | undefined;
}

function routeName(r: Pick<RouteOptions, 'method' | 'url'>): string {
  return `${Array.isArray(r.method) ? r.method.join(',') : r.method} ${r.url}`;
}

async function plugin(app: FastifyInstance, o: AuthPluginOptions): Promise<void> {
  const routes: RouteOptions[] = [];
  app.decorateRequest('principal', null);
  app.decorateRequest('authFailure', null);
  app.addHook('onRoute', (r) => {
    routes.push(r);
  });
  app.addHook('onReady', async () => {
    for (const r of routes) validateAccess(r.config?.access, routeName(r));
  });

  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config.access;
    if (!access || isPublic(access)) return;
    try {
      req.principal = await o.authenticator.authenticate(req.headers.authorization);
    } catch (err) {
      req.authFailure = err;
    }
  });

  app.addHook('preParsing', async (req, _reply, payload) => {
    const access = req.routeOptions.config.access;
    if (!access || isPublic(access)) return payload;
    if (req.principal === null) throw req.authFailure ?? CloudErrors.CLOUD_ERR_UNAUTHENTICATED('no credentials');
    checkRole(req.principal, access, `${req.method} ${req.routeOptions.url ?? req.url}`);
    return payload;
  });
}

export const authPlugin = fp(plugin, { name: 'vitals-auth', fastify: '5.x' });

/** The principal of a request on a non-public route (the plugin guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal === null) throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('no credentials');
  return req.principal;
}

/** The customer scope of a request's principal. */
export function scopeOfRequest(req: FastifyRequest): CustomerScope {
  return scopeOf(principalOf(req));
}
