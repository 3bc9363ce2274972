/**
 * Creating API keys: the rules of who may create which key (pure), and the insert that returns the token once.
 * Used by `POST /v1/api-keys` and by the bootstrap command `vitals admin create-key`.
 */
import { CloudErrors } from '../../errors.js';
import type { Queryable } from '../../db/transaction.js';
import { requiresCustomer, type Principal, type Role } from '../../auth/roles.js';
import { generateToken, hashToken, tokenHint } from '../../auth/tokens.js';
import type { Row } from './resource.js';

export interface NewApiKey {
  readonly role: Role;
  readonly customerId: string | null;
  readonly gatewayId: string | null;
  readonly name: string;
  readonly expiresAt: string | null;
  /** `<principal kind>:<id>` of the creator, or `cli:<os user>`. */
  readonly createdBy: string;
}

/** Throws unless `creator` may create a key with this role for this customer. */
export function checkKeyCreation(creator: Principal, k: Pick<NewApiKey, 'role' | 'customerId' | 'gatewayId'>): void {
  if (k.role === 'platform-admin' && creator.role !== 'platform-admin') {
    throw CloudErrors.CLOUD_ERR_FORBIDDEN(creator.role, 'create platform-admin keys');
  }
  if (requiresCustomer(k.role) && k.customerId === null) {
    throw CloudErrors.CLOUD_ERR_VALIDATION(`a ${k.role} key needs a customerId`);
  }
  if (k.gatewayId !== null && k.role !== 'gateway') throw CloudErrors.CLOUD_ERR_VALIDATION('gatewayId is only for gateway keys');
}

export async function insertApiKey(db: Queryable, k: NewApiKey): Promise<{ row: Row; token: string }> {
  const token = generateToken('apiKey');
  const { rows } = await db.query<Row>(
    `INSERT INTO api_keys (customer_id, role, gateway_id, name, key_hash, key_hint, expires_at, created_by)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::timestamptz, $8) RETURNING *`,
    [k.customerId, k.role, k.gatewayId, k.name, hashToken(token), tokenHint(token), k.expiresAt, k.createdBy],
  );
  return { row: rows[0] as Row, token };
}
