/**
 * SMART-style scopes, checked when the caller is a JWT (API keys are checked by role only). A read or search of
 * resource type T needs `user/T.read`, `user/*.read`, `system/...` alike, or `patient/T.read` / `patient/*.read`
 * (SMART v1; v2 `.r` / `.s` / `.rs` count for read / search). `patient/` scopes alone limit Patient and
 * Observation to the patient in context (the JWT's `patient` claim); without one they grant nothing. Device and
 * Location are reference data without a patient, and a `patient/` scope for them grants the customer's. Pure.
 */
import type { Principal } from '../../auth/roles.js';
import { CloudErrors } from '../../errors.js';

export type FhirResourceType = 'Observation' | 'Patient' | 'Device' | 'Location';
export type Interaction = 'read' | 'search';

/** What a caller may see of a resource type: everything its customer scope allows, or one patient's. */
export type Grant = { readonly kind: 'all' } | { readonly kind: 'patient'; readonly patientId: string };

const SCOPE_RE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)$/;

function permits(permission: string, interaction: Interaction): boolean {
  if (permission === 'read' || permission === '*') return true;
  if (permission === 'write') return false;
  return permission.includes(interaction === 'read' ? 'r' : 's');
}

/** The grant the scopes give, or undefined when none applies. */
export function grantOf(
  scopes: readonly string[],
  patientId: string | undefined,
  type: FhirResourceType,
  interaction: Interaction,
): Grant | undefined {
  let patientLevel = false;
  for (const s of scopes) {
    const m = SCOPE_RE.exec(s);
    if (!m) continue;
    const [, level, resource, permission] = m;
    if ((resource !== '*' && resource !== type) || !permits(permission!, interaction)) continue;
    if (level !== 'patient') return { kind: 'all' };
    patientLevel = true;
  }
  if (!patientLevel) return undefined;
  if (type === 'Device' || type === 'Location') return { kind: 'all' };
  return patientId === undefined ? undefined : { kind: 'patient', patientId };
}

/** The grant of a request's principal: API keys get `all`; a JWT what its scopes give, or 403. */
export function requireGrant(p: Principal, type: FhirResourceType, interaction: Interaction): Grant {
  if (p.kind !== 'jwt') return { kind: 'all' };
  const grant = grantOf(p.scopes ?? [], p.patientId, type, interaction);
  if (grant) return grant;
  throw CloudErrors.CLOUD_ERR_FHIR_INSUFFICIENT_SCOPE(
    `${interaction} ${type}`,
    `user/${type}.read, user/*.read, patient/${type}.read${type === 'Observation' || type === 'Patient' ? ' (with a patient claim)' : ''}`,
  );
}
