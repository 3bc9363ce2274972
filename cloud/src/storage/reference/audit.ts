/**
 * The audit log: every write through the API records who (principal kind and id), what (action, entity, id),
 * when (the transaction's time), and the representation before and after, in the same transaction as the write,
 * so there is no write without its record. Secrets (token and key hashes) never appear: the API representations
 * are recorded, which do not carry them.
 */
import type { Queryable } from '../../db/transaction.js';
import type { Principal } from '../../auth/roles.js';

export interface AuditEntry {
  readonly action: string;
  readonly entity: string;
  readonly entityId: string | null;
  readonly customerId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

export interface Actor {
  readonly principal: Principal;
  readonly requestId: string | null;
}

export async function recordAudit(db: Queryable, actor: Actor, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (customer_id, actor_kind, actor_id, action, entity, entity_id, before, after, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      e.customerId,
      actor.principal.kind,
      actor.principal.id,
      e.action,
      e.entity,
      e.entityId,
      e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
      e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
      actor.requestId,
    ],
  );
}
