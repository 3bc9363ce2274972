/**
 * `/v1/alarm-receivers`: where a customer's alarms go as HL7 v2.6 ORU^R40 over MLLP (the alarm dispatcher reads
 * them, docs/alarms.md): per department, or for every department of the customer. Writes are audited; PATCH and
 * DELETE honour If-Match. They feed no gateway document, so no version is issued.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { customerForWrite } from '../../../auth/scope.js';
import { errorResponses } from '../../../http/error-body.js';
import { PageQueryProperties, PageSchema } from '../../../http/pagination.js';
import {
  auditedWrite,
  deleteAuditedIn,
  insertAuditedIn,
  updateAuditedIn,
  type WriteTx,
} from '../../../storage/reference/audited-write.js';
import { columnsOf, type Row } from '../../../storage/reference/resource.js';
import { CustomerFilter, IfMatchHeaders, Uuid } from '../../../storage/schemas/common.js';
import type { ConfigServiceDeps } from '../../deps.js';
import { alarmReceiverSpec } from '../../store/specs.js';
import { actorOf, getResource, listResource, paramOf, sendDeleted, sendWritten, type Body } from '../common.js';
import { AlarmReceiver, AlarmReceiverFilters, CreateAlarmReceiver, PatchAlarmReceiver } from './schemas.js';

const TAG = 'alarm-receivers';
const READ_ERRORS = errorResponses(400, 401, 403, 404, 429, 503);
const WRITE_ERRORS = errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503);

export async function alarmReceiverRoutes(app: FastifyInstance, o: { deps: ConfigServiceDeps }): Promise<void> {
  const { deps } = o;
  const params = Type.Object({ receiverId: Uuid });
  const write = (req: FastifyRequest, work: (tx: WriteTx) => Promise<Row>) =>
    auditedWrite(deps, actorOf(req), async (tx) => work(tx));

  app.get(
    '/v1/alarm-receivers',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'List alarm receivers',
        querystring: Type.Object(
          { ...PageQueryProperties, ...CustomerFilter, ...AlarmReceiverFilters },
          { additionalProperties: false },
        ),
        response: { 200: PageSchema(AlarmReceiver), ...READ_ERRORS },
      },
    },
    async (req) => listResource(deps, req, alarmReceiverSpec, scopeOfRequest(req)),
  );

  app.get(
    '/v1/alarm-receivers/:receiverId',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: { tags: [TAG], summary: 'Get an alarm receiver (ETag)', params, response: { 200: AlarmReceiver, ...READ_ERRORS } },
    },
    async (req, reply) => {
      const row = await getResource(deps, alarmReceiverSpec, scopeOfRequest(req), paramOf(req, 'receiverId'));
      return sendWritten(reply, alarmReceiverSpec, row, []);
    },
  );

  app.post(
    '/v1/alarm-receivers',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Add a receiver of the alarms of a department (or of every department of the customer)',
        body: CreateAlarmReceiver,
        response: { 201: AlarmReceiver, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const body = req.body as Body;
      const customerId = customerForWrite(scopeOfRequest(req), body.customerId as string | undefined);
      const row = await write(req, (tx) =>
        insertAuditedIn(tx, alarmReceiverSpec, columnsOf(alarmReceiverSpec, { ...body, customerId })),
      );
      reply.header('location', `/v1/alarm-receivers/${String(row.id)}`);
      return sendWritten(reply, alarmReceiverSpec, row, [], 201);
    },
  );

  app.patch(
    '/v1/alarm-receivers/:receiverId',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Change an alarm receiver (If-Match supported); the dispatcher uses it within DISPATCHER_RECEIVERS_REFRESH',
        params,
        headers: IfMatchHeaders,
        body: PatchAlarmReceiver,
        response: { 200: AlarmReceiver, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const scope = scopeOfRequest(req);
      const row = await write(req, async (tx) => {
        const { after } = await updateAuditedIn(tx, alarmReceiverSpec, {
          scope,
          id: paramOf(req, 'receiverId'),
          ifMatch: req.headers['if-match'],
          values: columnsOf(alarmReceiverSpec, req.body as Body),
        });
        return after;
      });
      return sendWritten(reply, alarmReceiverSpec, row, []);
    },
  );

  app.delete(
    '/v1/alarm-receivers/:receiverId',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Remove an alarm receiver (If-Match supported)',
        params,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 412, 429, 503) },
      },
    },
    async (req, reply) => {
      const scope = scopeOfRequest(req);
      await write(req, (tx) =>
        deleteAuditedIn(tx, alarmReceiverSpec, { scope, id: paramOf(req, 'receiverId'), ifMatch: req.headers['if-match'] }),
      );
      return sendDeleted(reply, []);
    },
  );
}
