/**
 * Turns an `Authorization` header into a principal: a JWT is verified locally; any other bearer token is hashed
 * and looked up (API key or gateway token). Missing or bad credentials: 401. The lookup runs through the
 * database's dependency guard, so with PostgreSQL down the answer is a fast 503, never a misleading 401.
 */
import { CloudErrors } from '../errors.js';
import type { DependencyGuard } from '../resilience/dependency-guard.js';
import type { CredentialStore } from './credential-store.js';
import type { JwtVerifier } from './jwt.js';
import type { Principal } from './roles.js';
import { bearerToken, hashToken, looksLikeJwt } from './tokens.js';

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export interface AuthenticatorDeps {
  readonly store: CredentialStore;
  /** Absent when JWTs are not configured: then a JWT is refused like any unknown token. */
  readonly jwt?: JwtVerifier;
  readonly guard?: DependencyGuard;
}

export function createAuthenticator(d: AuthenticatorDeps): Authenticator {
  return {
    async authenticate(authorization) {
      if (authorization === undefined || authorization === '') {
        throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('send Authorization: Bearer <API key, JWT or gateway token>');
      }
      const token = bearerToken(authorization);
      if (token === undefined) throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('Authorization is not a Bearer token');
      if (looksLikeJwt(token)) {
        if (!d.jwt) throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('JWT authentication is not enabled');
        return d.jwt(token);
      }
      const hash = hashToken(token);
      const lookup = () => d.store.findByTokenHash(hash);
      const principal = d.guard ? await d.guard.run(lookup) : await lookup();
      if (!principal) throw CloudErrors.CLOUD_ERR_UNAUTHENTICATED('unknown, revoked or expired token');
      return principal;
    },
  };
}
