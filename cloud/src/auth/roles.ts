/**
 * Who may call: four roles, and the principal an authenticated request carries. A principal belongs to one
 * customer (its tenant), except a platform admin, which may have none and sees every customer.
 */
import { Type } from '@sinclair/typebox';

export const ROLES = ['platform-admin', 'customer-admin', 'clinician', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

export const RoleSchema = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'platform-admin, customer-admin, clinician (read-only) or gateway (ingest-only)' },
);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** How the caller proved who it is. */
export type PrincipalKind = 'api-key' | 'jwt' | 'gateway' | 'cli';

export interface Principal {
  readonly kind: PrincipalKind;
  /** Stable id of the caller: API key id, JWT subject, gateway id; recorded in the audit log. */
  readonly id: string;
  readonly role: Role;
  /** The caller's customer; null only for a platform admin. */
  readonly customerId: string | null;
  /** The gateway readings are attributed to (gateway tokens, and gateway keys bound to one). */
  readonly gatewayId: string | null;
  /** SMART-style scopes of a JWT (its `scope` claim, space-separated), checked by the FHIR API; absent otherwise. */
  readonly scopes?: readonly string[];
  /** The patient in context of a JWT (its `patient` claim), to which `patient/` scopes are limited. */
  readonly patientId?: string;
}

/** Role sets routes declare. */
export const ROLE_SETS = Object.freeze({
  /** Everyone who may read reference data. */
  readers: ['platform-admin', 'customer-admin', 'clinician'] as const,
  /** Everyone who may change reference data of their customer. */
  writers: ['platform-admin', 'customer-admin'] as const,
  platform: ['platform-admin'] as const,
  ingest: ['gateway'] as const,
});

/** A role's customer is mandatory unless it is a platform admin. */
export function requiresCustomer(role: Role): boolean {
  return role !== 'platform-admin';
}
