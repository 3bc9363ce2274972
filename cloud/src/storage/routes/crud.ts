/**
 * The standard endpoints of a reference-data resource, from its spec and schemas: list (filters, pagination),
 * get (ETag), create (201, Location, ETag), patch (If-Match, 412 when stale), delete (soft where history
 * matters). Every query is scoped by the caller's customer and every write is audited. Resources add their
 * special endpoints beside these in their own module.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allow } from '../../auth/access.js';
import { principalOf, scopeOfRequest } from '../../auth/plugin.js';
import type { Role } from '../../auth/roles.js';
import { customerForWrite, narrowScope, type CustomerScope } from '../../auth/scope.js';
import { CloudErrors } from '../../errors.js';
import { errorResponses } from '../../http/error-body.js';
import { etagOf } from '../../http/etag.js';
import { PageQueryProperties, PageSchema, pageOf } from '../../http/pagination.js';
import type { Actor } from '../reference/audit.js';
import { createAudited, removeAudited, updateAudited, type WriteTx } from '../reference/audited-write.js';
import { getRow, listRows } from '../reference/repository.js';
import { columnsOf, type ColumnSpec, type ResourceSpec, type Row } from '../reference/resource.js';
import type { StorageDeps } from '../deps.js';
import { CustomerFilter, IfMatchHeaders } from '../schemas/common.js';

export type Body = Readonly<Record<string, unknown>>;

export interface CrudRoutes {
  readonly deps: StorageDeps;
  readonly spec: ResourceSpec;
  /** Collection URL, e.g. `/v1/patients`. */
  readonly path: string;
  readonly idParam: string;
  readonly idSchema: TSchema;
  readonly tag: string;
  readonly item: TSchema;
  readonly readRoles: readonly Role[];
  /** Extra list filters (query properties, each optional), matching `spec.filters`. */
  readonly filters?: Readonly<Record<string, TSchema>>;
  /** A list condition beyond equality filters (e.g. "active at"); appends its parameters, returns SQL or undefined. */
  readonly listCondition?: (query: Readonly<Record<string, unknown>>, params: unknown[]) => string | undefined;
  readonly create?: {
    readonly roles: readonly Role[];
    readonly body: TSchema;
    /** Columns of the new row; default: the body's fields, customer from the caller's scope. */
    readonly values?: (body: Body, scope: CustomerScope) => Map<ColumnSpec, unknown>;
  };
  readonly update?: { readonly roles: readonly Role[]; readonly body: TSchema };
  readonly remove?: {
    readonly roles: readonly Role[];
    readonly precheck?: (row: Row, tx: WriteTx) => Promise<void>;
    readonly summary?: string;
  };
}

export function actorOf(req: FastifyRequest): Actor {
  return { principal: principalOf(req), requestId: String(req.id) };
}

export function sendRow(reply: FastifyReply, spec: ResourceSpec, row: Row, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('etag', etagOf(Number(row.row_version)))
    .send(spec.toApi(row));
}

export function paramOf(req: FastifyRequest, name: string): string {
  return String((req.params as Record<string, unknown>)[name]);
}

export function registerCrud(app: FastifyInstance, o: CrudRoutes): void {
  const { deps, spec } = o;
  const one = `${o.path}/:${o.idParam}`;
  const params = Type.Object({ [o.idParam]: o.idSchema });
  const softDelete = spec.softDelete !== undefined;
  const includeDeleted: Record<string, TSchema> = softDelete
    ? {
        includeDeleted: Type.Optional(
          Type.Boolean({ description: `Include ${spec.softDelete === 'revoked_at' ? 'revoked' : 'deleted'} items` }),
        ),
      }
    : {};

  app.get(
    o.path,
    {
      config: { access: allow(o.readRoles) },
      schema: {
        tags: [o.tag],
        summary: `List ${spec.entity}s`,
        querystring: Type.Object(
          { ...PageQueryProperties, ...CustomerFilter, ...includeDeleted, ...(o.filters ?? {}) },
          {
            additionalProperties: false,
          },
        ),
        response: { 200: PageSchema(o.item), ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const q = req.query as Record<string, unknown>;
      const scope = narrowScope(scopeOfRequest(req), q.customerId as string | undefined);
      const page = pageOf(q as { limit?: number; offset?: number });
      const filters = Object.fromEntries(Object.keys(spec.filters).map((k) => [k, q[k]]));
      const condition = o.listCondition;
      const extra = condition ? (p: unknown[]) => condition(q, p) ?? 'TRUE' : undefined;
      const { rows, total } = await deps.pg.run(() =>
        listRows(deps.pool, spec, scope, { page, filters, includeDeleted: q.includeDeleted === true, extra }),
      );
      return { items: rows.map(spec.toApi), total, ...page };
    },
  );

  app.get(
    one,
    {
      config: { access: allow(o.readRoles) },
      schema: {
        tags: [o.tag],
        summary: `Get a ${spec.entity}`,
        params,
        response: { 200: o.item, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      const id = paramOf(req, o.idParam);
      const row = await deps.pg.run(() => getRow(deps.pool, spec, scopeOfRequest(req), id));
      if (!row) throw CloudErrors.CLOUD_ERR_NOT_FOUND(spec.entity, id);
      return sendRow(reply, spec, row);
    },
  );

  const create = o.create;
  if (create) {
    app.post(
      o.path,
      {
        config: { access: allow(create.roles) },
        schema: {
          tags: [o.tag],
          summary: `Create a ${spec.entity}`,
          body: create.body,
          response: { 201: o.item, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 503) },
        },
      },
      async (req, reply) => {
        const body = req.body as Body;
        const scope = scopeOfRequest(req);
        const values =
          create.values?.(body, scope) ??
          columnsOf(spec, { ...body, customerId: customerForWrite(scope, body.customerId as string | undefined) });
        const row = await createAudited(deps, actorOf(req), spec, values);
        reply.header('location', `${o.path}/${encodeURIComponent(String(row.id))}`);
        return sendRow(reply, spec, row, 201);
      },
    );
  }

  const update = o.update;
  if (update) {
    app.patch(
      one,
      {
        config: { access: allow(update.roles) },
        schema: {
          tags: [o.tag],
          summary: `Change a ${spec.entity} (If-Match supported)`,
          params,
          headers: IfMatchHeaders,
          body: update.body,
          response: { 200: o.item, ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503) },
        },
      },
      async (req, reply) => {
        const row = await updateAudited(deps, actorOf(req), spec, {
          scope: scopeOfRequest(req),
          id: paramOf(req, o.idParam),
          ifMatch: req.headers['if-match'],
          values: columnsOf(spec, req.body as Body),
        });
        return sendRow(reply, spec, row);
      },
    );
  }

  const remove = o.remove;
  if (remove) {
    app.delete(
      one,
      {
        config: { access: allow(remove.roles) },
        schema: {
          tags: [o.tag],
          summary: remove.summary ?? (softDelete ? `Delete a ${spec.entity} (soft: kept as history)` : `Delete a ${spec.entity}`),
          params,
          headers: IfMatchHeaders,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 412, 429, 503) },
        },
      },
      async (req, reply) => {
        await removeAudited(deps, actorOf(req), spec, {
          scope: scopeOfRequest(req),
          id: paramOf(req, o.idParam),
          ifMatch: req.headers['if-match'],
          precheck: remove.precheck,
        });
        return reply.code(204).send();
      },
    );
  }
}
