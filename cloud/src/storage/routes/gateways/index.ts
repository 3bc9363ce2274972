/**
 * `/v1/gateways`: ward gateways and their ingest tokens. The token is generated here, shown once (creation and
 * rotation answers), stored only as its SHA-256; rotating invalidates the old token at once.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { customerForWrite } from '../../../auth/scope.js';
import { generateToken, hashToken } from '../../../auth/tokens.js';
import { errorResponses } from '../../../http/error-body.js';
import { etagOf } from '../../../http/etag.js';
import { auditedWrite, lockLiveRow } from '../../reference/audited-write.js';
import { checkIfMatch } from '../../../http/etag.js';
import { insertRow, updateRow } from '../../reference/repository.js';
import { columnsOf } from '../../reference/resource.js';
import { gatewaySpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { GatewayId, IfMatchHeaders } from '../../schemas/common.js';
import { actorOf, paramOf, registerCrud, type Body } from '../crud.js';
import { CreateGateway, Gateway, GatewayFilters, GatewayWithToken, PatchGateway } from './schemas.js';

const TOKEN_HASH = { column: 'token_hash' };

export async function gatewayRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  registerCrud(app, {
    deps,
    spec: gatewaySpec,
    path: '/v1/gateways',
    idParam: 'gatewayId',
    idSchema: GatewayId,
    tag: 'gateways',
    item: Gateway,
    readRoles: ROLE_SETS.readers,
    filters: GatewayFilters,
    update: { roles: ROLE_SETS.writers, body: PatchGateway },
    remove: { roles: ROLE_SETS.writers, summary: 'Delete a gateway (soft); its token stops working at once' },
  });

  app.post(
    '/v1/gateways',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['gateways'],
        summary: 'Register a gateway; the answer carries its token, shown only once',
        body: CreateGateway,
        response: { 201: GatewayWithToken, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (req, reply) => {
      const body = req.body as Body;
      const customerId = customerForWrite(scopeOfRequest(req), body.customerId as string | undefined);
      const token = generateToken('gateway');
      const values = columnsOf(gatewaySpec, { ...body, customerId });
      values.set(TOKEN_HASH, hashToken(token));
      const row = await auditedWrite(deps, actorOf(req), async (tx) => {
        const created = await insertRow(tx.client, gatewaySpec, values);
        const after = gatewaySpec.toApi(created);
        await tx.audit({ action: 'create', entity: 'gateway', entityId: String(created.id), customerId, before: null, after });
        return created;
      });
      reply.header('location', `/v1/gateways/${String(row.id)}`).header('etag', etagOf(Number(row.row_version)));
      return reply.code(201).send({ gateway: gatewaySpec.toApi(row), token });
    },
  );

  app.post(
    '/v1/gateways/:gatewayId/rotate-token',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['gateways'],
        summary: 'Issue a new token for the gateway; the old one stops working at once',
        params: Type.Object({ gatewayId: GatewayId }),
        headers: IfMatchHeaders,
        response: { 200: GatewayWithToken, ...errorResponses(400, 401, 403, 404, 412, 429, 503) },
      },
    },
    async (req, reply) => {
      const id = paramOf(req, 'gatewayId');
      const token = generateToken('gateway');
      const scope = scopeOfRequest(req);
      const row = await auditedWrite(deps, actorOf(req), async (tx) => {
        const before = await lockLiveRow(tx, gatewaySpec, scope, id);
        checkIfMatch(req.headers['if-match'], Number(before.row_version), 'gateway', id);
        const after = await updateRow(tx.client, gatewaySpec, id, new Map([[TOKEN_HASH, hashToken(token)]]), {
          token_rotated_at: 'now()',
        });
        await tx.audit({
          action: 'rotate-token',
          entity: 'gateway',
          entityId: id,
          customerId: String(after.customer_id),
          before: gatewaySpec.toApi(before),
          after: gatewaySpec.toApi(after),
        });
        return after;
      });
      reply.header('etag', etagOf(Number(row.row_version)));
      return { gateway: gatewaySpec.toApi(row), token };
    },
  );
}
