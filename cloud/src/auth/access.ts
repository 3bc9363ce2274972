/**
 * What a route allows, declared on the route itself (`config.access`), checked for every request, and checked at
 * start-up: an application with a route that declares nothing refuses to start (see plugin.ts).
 */
import { CloudErrors } from '../errors.js';
import { ROLES, type Principal, type Role } from './roles.js';

/**
 * `public`: no credentials (health, metrics, docs). Otherwise the roles allowed and how the handler scopes data:
 * `customer` = only rows of the caller's customer (a platform admin: any customer); `platform` = data that
 * belongs to no customer, platform admins only.
 */
export type RouteAccess =
  | { readonly public: true }
  | { readonly public?: false; readonly roles: readonly Role[]; readonly scope: 'customer' | 'platform' };

export const PUBLIC: RouteAccess = Object.freeze({ public: true });

export function allow(roles: readonly Role[], scope: 'customer' | 'platform' = 'customer'): RouteAccess {
  return Object.freeze({ roles: Object.freeze([...roles]), scope });
}

export function isPublic(access: RouteAccess): access is { readonly public: true } {
  return access.public === true;
}

/** Throws when a declaration is missing or inconsistent; `route` names it in the message. */
export function validateAccess(access: unknown, route: string): RouteAccess {
  if (access === undefined || access === null || typeof access !== 'object') {
    throw new Error(`route ${route} declares no config.access (roles and scope, or PUBLIC)`);
  }
  const a = access as RouteAccess;
  if (isPublic(a)) return a;
  if (!Array.isArray(a.roles) || a.roles.length === 0 || !a.roles.every((r) => (ROLES as readonly string[]).includes(r))) {
    throw new Error(`route ${route}: config.access.roles must list known roles`);
  }
  if (a.scope !== 'customer' && a.scope !== 'platform') throw new Error(`route ${route}: config.access.scope is missing`);
  if (a.scope === 'platform' && a.roles.some((r) => r !== 'platform-admin')) {
    throw new Error(`route ${route}: platform-scoped routes are for platform-admin only`);
  }
  return a;
}

/** 403 unless the principal's role is allowed. `action` is for the message, e.g. `POST /v1/patients`. */
export function checkRole(principal: Principal, access: RouteAccess, action: string): void {
  if (isPublic(access)) return;
  if (!access.roles.includes(principal.role)) throw CloudErrors.CLOUD_ERR_FORBIDDEN(principal.role, action);
}
