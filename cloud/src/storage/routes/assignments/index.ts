/**
 * `/v1/assignments`: which patient and bed a device measures, over time. Assign, transfer (end + start at the
 * same instant, atomically), end. Overlaps are refused by the database (409 CLOUD_ERR_ASSIGNMENT_OVERLAP).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { errorResponses } from '../../../http/error-body.js';
import { etagOf } from '../../../http/etag.js';
import { assign, endAssignment, transferAssignment, type AssignInput, type TransferInput } from '../../reference/assignments.js';
import { auditedWrite } from '../../reference/audited-write.js';
import { assignmentSpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { IfMatchHeaders, Uuid } from '../../schemas/common.js';
import { actorOf, paramOf, registerCrud, sendRow } from '../crud.js';
import { AssignBody, Assignment, AssignmentFilters, EndBody, TransferBody, TransferResult } from './schemas.js';

const WRITE_ERRORS = errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503);

/** Transfer and end may be posted without a body (everything in it is optional). */
const emptyBodyIsEmptyObject = async (req: FastifyRequest) => {
  req.body ??= {};
};

export async function assignmentRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  const nowIso = () => new Date(deps.clock.now()).toISOString();
  registerCrud(app, {
    deps,
    spec: assignmentSpec,
    path: '/v1/assignments',
    idParam: 'assignmentId',
    idSchema: Uuid,
    tag: 'assignments',
    item: Assignment,
    readRoles: ROLE_SETS.readers,
    filters: AssignmentFilters,
    listCondition: (q, params) => {
      if (q.activeAt === undefined) return undefined;
      params.push(q.activeAt);
      const p = `$${params.length}::timestamptz`;
      return `valid_from <= ${p} AND (valid_to IS NULL OR valid_to > ${p})`;
    },
  });

  app.post(
    '/v1/assignments',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['assignments'],
        summary: 'Assign a device to a patient and bed',
        body: AssignBody,
        response: { 201: Assignment, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const scope = scopeOfRequest(req);
      const row = await auditedWrite(deps, actorOf(req), (tx) => assign(tx, scope, req.body as AssignInput, nowIso()));
      reply.header('location', `/v1/assignments/${String(row.id)}`);
      return sendRow(reply, assignmentSpec, row, 201);
    },
  );

  const params = Type.Object({ assignmentId: Uuid });
  app.post(
    '/v1/assignments/:assignmentId/transfer',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['assignments'],
        summary: 'End this assignment and start the next one (new bed, patient or device) at the same instant',
        params,
        headers: IfMatchHeaders,
        body: TransferBody,
        response: { 201: TransferResult, ...WRITE_ERRORS },
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (req, reply) => {
      const scope = scopeOfRequest(req);
      const id = paramOf(req, 'assignmentId');
      const { ended, started } = await auditedWrite(deps, actorOf(req), (tx) =>
        transferAssignment(tx, scope, id, req.body as TransferInput, nowIso(), req.headers['if-match']),
      );
      reply.header('location', `/v1/assignments/${String(started.id)}`).header('etag', etagOf(Number(started.row_version)));
      return reply.code(201).send({ ended: assignmentSpec.toApi(ended), started: assignmentSpec.toApi(started) });
    },
  );

  app.post(
    '/v1/assignments/:assignmentId/end',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: ['assignments'],
        summary: 'End an assignment (default now)',
        params,
        headers: IfMatchHeaders,
        body: EndBody,
        response: { 200: Assignment, ...WRITE_ERRORS },
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (req, reply) => {
      const scope = scopeOfRequest(req);
      const at = (req.body as { at?: string } | undefined)?.at ?? nowIso();
      const row = await auditedWrite(deps, actorOf(req), (tx) =>
        endAssignment(tx, scope, paramOf(req, 'assignmentId'), at, req.headers['if-match']),
      );
      return sendRow(reply, assignmentSpec, row);
    },
  );
}
