/**
 * Where opaque tokens are looked up: API keys (`api_keys`) and gateway tokens (`gateways.token_hash`), by the
 * SHA-256 of the token, in one round trip. Revoked or expired keys and deleted gateways do not authenticate.
 */
import type { Queryable } from '../db/transaction.js';
import type { Principal, Role } from './roles.js';

export interface CredentialStore {
  /** The principal a token hash belongs to, or undefined. */
  findByTokenHash(hash: string): Promise<Principal | undefined>;
}

interface CredentialRow {
  kind: 'api-key' | 'gateway';
  id: string;
  role: Role;
  customer_id: string | null;
  gateway_id: string | null;
}

const SQL = `
SELECT 'api-key' AS kind, id::text AS id, role, customer_id::text AS customer_id, gateway_id
  FROM api_keys
 WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
UNION ALL
SELECT 'gateway', id, 'gateway', customer_id::text, id
  FROM gateways
 WHERE token_hash = $1 AND deleted_at IS NULL
 LIMIT 1`;

export function createPgCredentialStore(db: Queryable): CredentialStore {
  return {
    async findByTokenHash(hash) {
      const { rows } = await db.query<CredentialRow>({ name: 'auth-find-token', text: SQL, values: [hash] });
      const row = rows[0];
      if (!row) return undefined;
      return { kind: row.kind, id: row.id, role: row.role, customerId: row.customer_id, gatewayId: row.gateway_id };
    },
  };
}
