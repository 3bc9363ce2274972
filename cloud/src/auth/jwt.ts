/**
 * Bearer JWTs signed with HS256 and a shared secret (CLOUD_JWT_SECRET), for single sign-on front ends and
 * service-to-service calls. Claims: `sub` (caller id), `role`, `customer` (customer id; optional for
 * platform-admin), `gateway` (optional, for gateway-role tokens), plus the configured `iss` and `aud` and an `exp`.
 * Optional SMART-style claims for the FHIR API: `scope` (space-separated, e.g. `user/*.read`) and `patient` (the
 * patient id `patient/` scopes are limited to).
 */
import { SignJWT, jwtVerify } from 'jose';
import { isUuid, type Clock } from '@vitals/shared';
import { CloudErrors } from '../errors.js';
import { isRole, requiresCustomer, type Principal, type Role } from './roles.js';

export interface JwtSettings {
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  readonly clock: Clock;
}

export interface JwtClaims {
  readonly sub: string;
  readonly role: Role;
  readonly customer?: string;
  readonly gateway?: string;
  readonly scope?: string;
  readonly patient?: string;
}

export type JwtVerifier = (token: string) => Promise<Principal>;

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export function createJwtVerifier(s: JwtSettings): JwtVerifier {
  const key = keyOf(s.secret);
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer: s.issuer,
        audience: s.audience,
        currentDate: new Date(s.clock.now()),
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      }));
    } catch (err) {
      throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED.withCause(err, `invalid JWT (${(err as { code?: string }).code ?? 'ERR_JWT'})`);
    }
    const { sub, role, customer, gateway, scope, patient } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) {
      throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('JWT without a usable sub claim');
    }
    if (!isRole(role)) throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('JWT without a known role claim');
    if (customer !== undefined && !isUuid(customer))
      throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('JWT customer claim is not a UUID');
    if (requiresCustomer(role) && customer === undefined) {
      throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED(`JWT with role ${role} must name its customer`);
    }
    if (scope !== undefined && typeof scope !== 'string')
      throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('JWT scope claim is not a string');
    if (patient !== undefined && !isUuid(patient)) throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('JWT patient claim is not a UUID');
    return {
      kind: 'jwt',
      id: sub,
      role,
      customerId: (customer as string | undefined) ?? null,
      gatewayId: role === 'gateway' && typeof gateway === 'string' ? gateway : null,
      ...(scope === undefined ? {} : { scopes: Object.freeze(scope.split(/\s+/).filter((x) => x !== '')) }),
      ...(patient === undefined ? {} : { patientId: patient as string }),
    };
  };
}

/** Issues a token (tests, tools, and a front end's token service). */
export async function signJwt(s: JwtSettings, claims: JwtClaims, ttlSeconds = 3_600): Promise<string> {
  const now = Math.floor(s.clock.now() / 1000);
  const body: Record<string, unknown> = { role: claims.role };
  if (claims.customer !== undefined) body.customer = claims.customer;
  if (claims.gateway !== undefined) body.gateway = claims.gateway;
  if (claims.scope !== undefined) body.scope = claims.scope;
  if (claims.patient !== undefined) body.patient = claims.patient;
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(keyOf(s.secret));
}
