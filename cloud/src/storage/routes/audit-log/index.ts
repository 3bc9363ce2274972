/** `/v1/audit-log`: who changed what, when, before and after; scoped like everything else. Read-only. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { narrowScope } from '../../../auth/scope.js';
import { errorResponses } from '../../../http/error-body.js';
import { PageQueryProperties, PageSchema, pageOf } from '../../../http/pagination.js';
import { listRows } from '../../reference/repository.js';
import { iso, type ResourceSpec, type Row } from '../../reference/resource.js';
import type { StorageDeps } from '../../deps.js';
import { CustomerFilter, Nullable, Timestamp, Uuid } from '../../schemas/common.js';

export const AuditEntry = Type.Object(
  {
    id: Type.String(),
    at: Timestamp,
    customerId: Nullable(Uuid),
    actorKind: Type.String(),
    actorId: Type.String(),
    action: Type.String(),
    entity: Type.String(),
    entityId: Nullable(Type.String()),
    before: Type.Unknown(),
    after: Type.Unknown(),
    requestId: Nullable(Type.String()),
  },
  { additionalProperties: false, description: 'AuditEntry' },
);

const auditSpec: ResourceSpec = {
  entity: 'audit entry',
  table: 'audit_log',
  customerColumn: 'customer_id',
  idCast: 'text',
  columns: {},
  filters: { entity: { column: 'entity' }, entityId: { column: 'entity_id' }, actorId: { column: 'actor_id' } },
  orderBy: 'at DESC, id DESC',
  toApi: (r: Row) => ({
    id: String(r.id),
    at: iso(r.at) ?? '',
    customerId: (r.customer_id as string | null) ?? null,
    actorKind: String(r.actor_kind),
    actorId: String(r.actor_id),
    action: String(r.action),
    entity: String(r.entity),
    entityId: (r.entity_id as string | null) ?? null,
    before: r.before ?? null,
    after: r.after ?? null,
    requestId: (r.request_id as string | null) ?? null,
  }),
};

export async function auditLogRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  app.get(
    '/v1/audit-log',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first',
        querystring: Type.Object(
          {
            ...PageQueryProperties,
            ...CustomerFilter,
            entity: Type.Optional(Type.String({ maxLength: 64 })),
            entityId: Type.Optional(Type.String({ maxLength: 200 })),
            actorId: Type.Optional(Type.String({ maxLength: 200 })),
            since: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageSchema(AuditEntry), ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const q = req.query as Record<string, unknown>;
      const scope = narrowScope(scopeOfRequest(req), q.customerId as string | undefined);
      const page = pageOf(q as { limit?: number; offset?: number });
      const filters = { entity: q.entity, entityId: q.entityId, actorId: q.actorId };
      const since = q.since as string | undefined;
      const extra = since
        ? (params: unknown[]) => {
            params.push(since);
            return `at >= $${params.length}::timestamptz`;
          }
        : undefined;
      const { rows, total } = await deps.pg.run(() => listRows(deps.pool, auditSpec, scope, { page, filters, extra }));
      return { items: rows.map(auditSpec.toApi), total, ...page };
    },
  );
}
