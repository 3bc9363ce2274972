/**
 * Pieces every route of the configuration service uses: the audit actor and change context of a request, ETag
 * replies, the header naming the versions a write issued, and list/get over a resource spec with customer scope.
 */
import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../../auth/plugin.js';
import { sendRow } from '../../storage/routes/crud.js';
import { narrowScope, type CustomerScope } from '../../auth/scope.js';
import { CloudErrors } from '../../errors.js';
import { pageOf } from '../../http/pagination.js';
import { getRow, listRows } from '../../storage/reference/repository.js';
import type { ResourceSpec, Row } from '../../storage/reference/resource.js';
import type { ConfigServiceDeps } from '../deps.js';
import type { RecomputeOutcome } from '../sync/recompute.js';
import type { ChangeContext } from '../sync/reconciler.js';

export type Body = Readonly<Record<string, unknown>>;
/** The same request helpers as the storage API's routes. */
export { actorOf, paramOf } from '../../storage/routes/crud.js';
export type { TSchema };

export function changeContext(req: FastifyRequest): ChangeContext {
  const p = principalOf(req);
  return {
    cause: `api ${req.method} ${req.routeOptions.url ?? req.url} (request ${String(req.id)})`,
    createdBy: `${p.kind}:${p.id}`,
  };
}

/** `Config-Versions: gw-a=4, gw-b=2`: the versions a write issued (absent when the documents did not change). */
export const CONFIG_VERSIONS_HEADER = 'config-versions';

function headerIssued(reply: FastifyReply, outcomes: readonly RecomputeOutcome[]): void {
  const issued = outcomes.flatMap((o) => (o.kind === 'issued' ? [`${o.gatewayId}=${o.version}`] : []));
  if (issued.length > 0) reply.header(CONFIG_VERSIONS_HEADER, issued.join(', '));
}

/** The written row with its ETag, and the versions the write issued. */
export function sendWritten(
  reply: FastifyReply,
  spec: ResourceSpec,
  row: Row,
  outcomes: readonly RecomputeOutcome[],
  status = 200,
): FastifyReply {
  headerIssued(reply, outcomes);
  return sendRow(reply, spec, row, status);
}

/** 204 after a delete, with the versions it issued. */
export function sendDeleted(reply: FastifyReply, outcomes: readonly RecomputeOutcome[]): FastifyReply {
  headerIssued(reply, outcomes);
  return reply.code(204).send();
}

export async function listResource(deps: ConfigServiceDeps, req: FastifyRequest, spec: ResourceSpec, scope: CustomerScope) {
  const q = req.query as Record<string, unknown>;
  const narrowed = narrowScope(scope, q.customerId as string | undefined);
  const page = pageOf(q as { limit?: number; offset?: number });
  const filters = Object.fromEntries(Object.keys(spec.filters).map((k) => [k, q[k]]));
  const { rows, total } = await deps.pg.run(() => listRows(deps.pool, spec, narrowed, { page, filters }));
  return { items: rows.map(spec.toApi), total, ...page };
}

export async function getResource(deps: ConfigServiceDeps, spec: ResourceSpec, scope: CustomerScope, id: string): Promise<Row> {
  const row = await deps.pg.run(() => getRow(deps.pool, spec, scope, id));
  if (!row) throw CloudErrors.CLOUD_ERR_NOT_FOUND(spec.entity, id);
  return row;
}
