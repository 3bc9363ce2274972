/**
 * A gateway's configuration: the desired document (newest version, ETag = its version), every version and
 * acknowledgement, the desired-versus-reported status of one gateway or of all (filter `outOfSync=true`), and
 * `refresh` (recompute now and republish the newest version retained, e.g. after a broker lost its store).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { narrowScope } from '../../../auth/scope.js';
import { CloudErrors } from '../../../errors.js';
import { errorResponses } from '../../../http/error-body.js';
import { etagOf } from '../../../http/etag.js';
import { PageQueryProperties, PageSchema, pageOf } from '../../../http/pagination.js';
import { auditedWrite } from '../../../storage/reference/audited-write.js';
import { getRow } from '../../../storage/reference/repository.js';
import { gatewaySpec } from '../../../storage/reference/specs.js';
import { CustomerFilter, Uuid } from '../../../storage/schemas/common.js';
import type { ConfigServiceDeps } from '../../deps.js';
import { isInSync } from '../../domain/reported-state.js';
import { emptyScope } from '../../domain/input-change.js';
import { ConfigServiceErrors } from '../../errors.js';
import {
  getStatus,
  getVersion,
  latestDocument,
  listAcks,
  listStatus,
  listVersions,
  type StatusRow,
} from '../../store/config-state.js';
import { CONFIG_VERSIONS_HEADER, actorOf, changeContext, paramOf } from '../common.js';
import { ConfigAckEntry, ConfigDocument, ConfigStatus, ConfigVersion, GatewayParams, VersionParams } from './schemas.js';

const TAG = 'gateway-config';
const READ_ERRORS = errorResponses(400, 401, 403, 404, 429, 503);

export async function gatewayConfigRoutes(app: FastifyInstance, o: { deps: ConfigServiceDeps }): Promise<void> {
  const { deps } = o;

  const present = (s: StatusRow) => {
    const connected = deps.transport.connectedGateways();
    return { ...s, connected: connected ? connected.has(s.gatewayId) : null, inSync: isInSync(s) && s.buildError === null };
  };

  /** The gateway, if the caller may see it (404 otherwise, also for deleted gateways). */
  const visibleGateway = async (req: FastifyRequest) => {
    const id = paramOf(req, 'gatewayId');
    const row = await deps.pg.run(() => getRow(deps.pool, gatewaySpec, scopeOfRequest(req), id));
    if (!row || row.deleted_at !== null) throw CloudErrors.CLOUD_ERR_NOT_FOUND('gateway', id);
    return { id, customerId: String(row.customer_id) };
  };

  app.get(
    '/v1/gateways/:gatewayId/config',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'The desired configuration document of a gateway (its newest version; ETag = the version)',
        params: GatewayParams,
        response: { 200: ConfigDocument, ...READ_ERRORS },
      },
    },
    async (req, reply) => {
      const { id } = await visibleGateway(req);
      const doc = await deps.pg.run(() => latestDocument(deps.pool, id));
      if (!doc) throw ConfigServiceErrors.CONFIG_ERR_NO_VERSION(id, 'yet');
      return reply.header('etag', etagOf(doc.version)).send(doc);
    },
  );

  app.get(
    '/v1/gateways/:gatewayId/config/versions',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'Every version issued for a gateway, newest first',
        params: GatewayParams,
        querystring: Type.Object(PageQueryProperties, { additionalProperties: false }),
        response: { 200: PageSchema(ConfigVersion), ...READ_ERRORS },
      },
    },
    async (req) => {
      const { id } = await visibleGateway(req);
      const page = pageOf(req.query as { limit?: number; offset?: number });
      const { rows, total } = await deps.pg.run(() => listVersions(deps.pool, id, page));
      return { items: rows, total, ...page };
    },
  );

  app.get(
    '/v1/gateways/:gatewayId/config/versions/:version',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'One version of a gateway document',
        params: VersionParams,
        response: { 200: ConfigDocument, ...READ_ERRORS },
      },
    },
    async (req, reply) => {
      const { id } = await visibleGateway(req);
      const version = Number((req.params as { version: number }).version);
      const doc = await deps.pg.run(() => getVersion(deps.pool, id, version));
      if (!doc) throw ConfigServiceErrors.CONFIG_ERR_NO_VERSION(id, version);
      return reply.header('etag', etagOf(doc.version)).send(doc);
    },
  );

  app.get(
    '/v1/gateways/:gatewayId/config/acks',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'Every acknowledgement the gateway sent, newest first',
        params: GatewayParams,
        querystring: Type.Object(PageQueryProperties, { additionalProperties: false }),
        response: { 200: PageSchema(ConfigAckEntry), ...READ_ERRORS },
      },
    },
    async (req) => {
      const { id } = await visibleGateway(req);
      const page = pageOf(req.query as { limit?: number; offset?: number });
      const { rows, total } = await deps.pg.run(() => listAcks(deps.pool, id, page));
      return { items: rows, total, ...page };
    },
  );

  app.get(
    '/v1/gateways/:gatewayId/config-status',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'Desired versus reported configuration of a gateway: versions, last seen, rejection reason',
        params: GatewayParams,
        response: { 200: ConfigStatus, ...READ_ERRORS },
      },
    },
    async (req) => {
      const id = paramOf(req, 'gatewayId');
      const status = await deps.pg.run(() => getStatus(deps.pool, scopeOfRequest(req), id));
      if (!status) throw CloudErrors.CLOUD_ERR_NOT_FOUND('gateway', id);
      return present(status);
    },
  );

  app.get(
    '/v1/config-status',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'Desired versus reported configuration of every gateway; `outOfSync=true` lists those not in sync',
        querystring: Type.Object(
          {
            ...PageQueryProperties,
            ...CustomerFilter,
            outOfSync: Type.Optional(Type.Boolean({ description: 'true: only gateways out of sync; false: only in sync' })),
            departmentId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageSchema(ConfigStatus), ...READ_ERRORS },
      },
    },
    async (req) => {
      const q = req.query as { customerId?: string; outOfSync?: boolean; departmentId?: string; limit?: number; offset?: number };
      const scope = narrowScope(scopeOfRequest(req), q.customerId);
      const page = pageOf(q);
      const { rows, total } = await deps.pg.run(() =>
        listStatus(deps.pool, scope, { outOfSync: q.outOfSync, departmentId: q.departmentId, page }),
      );
      return { items: rows.map(present), total, ...page };
    },
  );

  app.post(
    '/v1/gateways/:gatewayId/config/refresh',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Recompute the gateway document now and republish its newest version (retained)',
        params: GatewayParams,
        response: { 200: ConfigStatus, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      const { id, customerId } = await visibleGateway(req);
      const outcomes = await auditedWrite(deps, actorOf(req), async (tx) => {
        const result = await deps.reconciler.recomputeForChange(
          tx.client,
          { ...emptyScope(customerId), gatewayIds: [id] },
          changeContext(req),
        );
        const issued = result.find((r) => r.kind === 'issued');
        await tx.audit({
          action: 'refresh',
          entity: 'gateway configuration',
          entityId: id,
          customerId,
          before: null,
          after: issued && issued.kind === 'issued' ? { version: issued.version } : null,
        });
        return result;
      });
      deps.reconciler.afterCommit(outcomes);
      await deps.publisher.publishLatest([id], { force: true });
      const issued = outcomes.flatMap((x) => (x.kind === 'issued' ? [`${x.gatewayId}=${x.version}`] : []));
      if (issued.length > 0) reply.header(CONFIG_VERSIONS_HEADER, issued.join(', '));
      const status = await deps.pg.run(() => getStatus(deps.pool, scopeOfRequest(req), id));
      if (!status) throw CloudErrors.CLOUD_ERR_NOT_FOUND('gateway', id);
      return present(status);
    },
  );
}
