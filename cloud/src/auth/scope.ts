/**
 * Tenant scoping. Every query of tenant data takes a `CustomerScope` derived from the principal, never from the
 * request alone. Another customer's resource is answered as if it did not exist (404), never 403, which would
 * confirm that it exists.
 */
import { CloudErrors } from '../errors.js';
import type { Principal } from './roles.js';

export type CustomerScope = { readonly all: true } | { readonly all: false; readonly customerId: string };

export const ALL_CUSTOMERS: CustomerScope = Object.freeze({ all: true });

/** The customers a principal may see: a platform admin all of them, anyone else its own. */
export function scopeOf(p: Principal): CustomerScope {
  if (p.role === 'platform-admin') return ALL_CUSTOMERS;
  if (p.customerId === null) throw new Error(`principal ${p.kind}:${p.id} with role ${p.role} has no customer`);
  return Object.freeze({ all: false, customerId: p.customerId });
}

export function inScope(scope: CustomerScope, customerId: string | null): boolean {
  return scope.all || scope.customerId === customerId;
}

/**
 * Narrows a scope to the customer a request asks for (`?customerId=`): a platform admin gets that customer; a
 * tenant caller asking for another customer gets 404 for it.
 */
export function narrowScope(scope: CustomerScope, requested: string | undefined): CustomerScope {
  if (requested === undefined) return scope;
  if (!inScope(scope, requested)) throw CloudErrors.CLOUD_ERR_NOT_FOUND('customer', requested);
  return Object.freeze({ all: false, customerId: requested });
}

/**
 * The customer a new row belongs to: a tenant caller's own customer (naming another answers 404); a platform
 * admin must name one.
 */
export function customerForWrite(scope: CustomerScope, requested: string | undefined): string {
  if (scope.all) {
    if (requested === undefined) throw CloudErrors.CLOUD_ERR_VALIDATION('customerId is required for a platform admin');
    return requested;
  }
  if (requested !== undefined && requested !== scope.customerId) throw CloudErrors.CLOUD_ERR_NOT_FOUND('customer', requested);
  return scope.customerId;
}

/**
 * A SQL condition restricting `column` to the scope, appending its parameter to `params`. `TRUE` for all
 * customers. Column names come from code, never from requests.
 */
export function scopeCondition(scope: CustomerScope, column: string, params: unknown[]): string {
  if (scope.all) return 'TRUE';
  params.push(scope.customerId);
  return `${column} = $${params.length}`;
}
