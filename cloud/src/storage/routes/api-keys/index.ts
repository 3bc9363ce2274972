/**
 * `/v1/api-keys`: credentials of API callers. A platform admin may create any key; a customer admin keys of its
 * own customer (not platform-admin keys). Revoking (DELETE) stops the key at once; revoked keys stay listed with
 * `includeDeleted=true`.
 */
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { principalOf, scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS, type Role } from '../../../auth/roles.js';
import { customerForWrite } from '../../../auth/scope.js';
import { errorResponses } from '../../../http/error-body.js';
import { etagOf } from '../../../http/etag.js';
import { checkKeyCreation, insertApiKey } from '../../reference/api-keys.js';
import { auditedWrite } from '../../reference/audited-write.js';
import { apiKeySpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { Uuid } from '../../schemas/common.js';
import { actorOf, registerCrud } from '../crud.js';
import { ApiKey, ApiKeyFilters, ApiKeyWithToken, CreateApiKey } from './schemas.js';

interface CreateBody {
  name: string;
  role: Role;
  customerId?: string;
  gatewayId?: string;
  expiresAt?: string;
}

export async function apiKeyRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  registerCrud(app, {
    deps,
    spec: apiKeySpec,
    path: '/v1/api-keys',
    idParam: 'keyId',
    idSchema: Uuid,
    tag: 'api-keys',
    item: ApiKey,
    readRoles: ROLE_SETS.writers,
    filters: ApiKeyFilters,
    remove: { roles: ROLE_SETS.writers, summary: 'Revoke an API key (it stops working at once)' },
  });

  app.post(
    '/v1/api-keys',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the answer carries the key, shown only once',
        body: CreateApiKey,
        response: { 201: ApiKeyWithToken, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (req, reply) => {
      const body = req.body as CreateBody;
      const principal = principalOf(req);
      const scope = scopeOfRequest(req);
      const customerId =
        body.role === 'platform-admin' && body.customerId === undefined ? null : customerForWrite(scope, body.customerId);
      const key = { role: body.role, customerId, gatewayId: body.gatewayId ?? null };
      checkKeyCreation(principal, key);
      const { row, token } = await auditedWrite(deps, actorOf(req), async (tx) => {
        const created = await insertApiKey(tx.client, {
          ...key,
          name: body.name,
          expiresAt: body.expiresAt ?? null,
          createdBy: `${principal.kind}:${principal.id}`,
        });
        await tx.audit({
          action: 'create',
          entity: apiKeySpec.entity,
          entityId: String(created.row.id),
          customerId,
          before: null,
          after: apiKeySpec.toApi(created.row),
        });
        return created;
      });
      reply.header('location', `/v1/api-keys/${String(row.id)}`).header('etag', etagOf(Number(row.row_version)));
      return reply.code(201).send({ apiKey: apiKeySpec.toApi(row), token });
    },
  );
}
