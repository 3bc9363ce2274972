/**
 * `/v1/device-settings`: sampling interval, units and alarm enable per device or per model (a device's own row
 * wins over its model's). Writes are audited and recompute the documents of the gateways whose beds hold the
 * device (or a device of the model), in the same transaction; PATCH and DELETE honour If-Match.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { METRIC_CATALOG, isMetricCode } from '@vitals/shared';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { customerForWrite } from '../../../auth/scope.js';
import { CloudErrors } from '../../../errors.js';
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
import { emptyScope, type ChangeScope } from '../../domain/input-change.js';
import { deviceSettingsSpec } from '../../store/specs.js';
import type { RecomputeOutcome } from '../../sync/recompute.js';
import { actorOf, changeContext, getResource, listResource, paramOf, sendDeleted, sendWritten, type Body } from '../common.js';
import { CreateDeviceSettings, DeviceSettings, DeviceSettingsFilters, PatchDeviceSettings } from './schemas.js';

const TAG = 'device-settings';
const READ_ERRORS = errorResponses(400, 401, 403, 404, 429, 503);
const WRITE_ERRORS = errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503);

/** Units must name catalog metrics and spellings the catalog accepts for them (pure). */
export function unitProblems(units: Readonly<Record<string, string>> | undefined): string[] {
  const out: string[] = [];
  for (const [metric, unit] of Object.entries(units ?? {})) {
    if (!isMetricCode(metric)) out.push(`units: ${metric} is not a metric of the catalog`);
    else if (!METRIC_CATALOG[metric].unitAliases.some((a) => a.spelling === unit)) {
      out.push(`units: ${unit} is not a unit of ${metric} (e.g. ${METRIC_CATALOG[metric].unit})`);
    }
  }
  return out;
}

function scopeOfSettings(row: Row): ChangeScope {
  const s = emptyScope(String(row.customer_id));
  return row.device_id ? { ...s, deviceIds: [String(row.device_id)] } : { ...s, models: [String(row.model)] };
}

export async function deviceSettingsRoutes(app: FastifyInstance, o: { deps: ConfigServiceDeps }): Promise<void> {
  const { deps } = o;
  const params = Type.Object({ settingsId: Uuid });

  const write = async (req: FastifyRequest, work: (tx: WriteTx) => Promise<{ row: Row; feeds: Row }>) => {
    const result = await auditedWrite(deps, actorOf(req), async (tx) => {
      const { row, feeds } = await work(tx);
      const outcomes = await deps.reconciler.recomputeForChange(tx.client, scopeOfSettings(feeds), changeContext(req));
      return { row, outcomes };
    });
    deps.reconciler.afterCommit(result.outcomes);
    return result as { row: Row; outcomes: RecomputeOutcome[] };
  };

  const refuseBadUnits = (body: Body) => {
    const problems = unitProblems(body.units as Record<string, string> | undefined);
    if (problems.length > 0) throw CloudErrors.CLOUD_ERR_VALIDATION(problems.join('; '));
  };

  app.get(
    '/v1/device-settings',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'List device settings',
        querystring: Type.Object(
          { ...PageQueryProperties, ...CustomerFilter, ...DeviceSettingsFilters },
          { additionalProperties: false },
        ),
        response: { 200: PageSchema(DeviceSettings), ...READ_ERRORS },
      },
    },
    async (req) => listResource(deps, req, deviceSettingsSpec, scopeOfRequest(req)),
  );

  app.get(
    '/v1/device-settings/:settingsId',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: { tags: [TAG], summary: 'Get device settings (ETag)', params, response: { 200: DeviceSettings, ...READ_ERRORS } },
    },
    async (req, reply) => {
      const row = await getResource(deps, deviceSettingsSpec, scopeOfRequest(req), paramOf(req, 'settingsId'));
      return sendWritten(reply, deviceSettingsSpec, row, []);
    },
  );

  app.post(
    '/v1/device-settings',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Create settings for a device or a model; the documents of the gateways with such devices get new versions',
        body: CreateDeviceSettings,
        response: { 201: DeviceSettings, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const body = req.body as Body;
      if ((body.deviceId === undefined) === (body.model === undefined)) {
        throw CloudErrors.CLOUD_ERR_VALIDATION('give either deviceId or model');
      }
      refuseBadUnits(body);
      const customerId = customerForWrite(scopeOfRequest(req), body.customerId as string | undefined);
      const { row, outcomes } = await write(req, async (tx) => {
        const created = await insertAuditedIn(tx, deviceSettingsSpec, columnsOf(deviceSettingsSpec, { ...body, customerId }));
        return { row: created, feeds: created };
      });
      reply.header('location', `/v1/device-settings/${String(row.id)}`);
      return sendWritten(reply, deviceSettingsSpec, row, outcomes, 201);
    },
  );

  app.patch(
    '/v1/device-settings/:settingsId',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Change device settings (If-Match supported)',
        params,
        headers: IfMatchHeaders,
        body: PatchDeviceSettings,
        response: { 200: DeviceSettings, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const id = paramOf(req, 'settingsId');
      const body = req.body as Body;
      refuseBadUnits(body);
      const scope = scopeOfRequest(req);
      const { row, outcomes } = await write(req, async (tx) => {
        const { after } = await updateAuditedIn(tx, deviceSettingsSpec, {
          scope,
          id,
          ifMatch: req.headers['if-match'],
          values: columnsOf(deviceSettingsSpec, body),
        });
        return { row: after, feeds: after };
      });
      return sendWritten(reply, deviceSettingsSpec, row, outcomes);
    },
  );

  app.delete(
    '/v1/device-settings/:settingsId',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Delete device settings (If-Match supported); the devices fall back to their model or their defaults',
        params,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 412, 429, 503) },
      },
    },
    async (req, reply) => {
      const id = paramOf(req, 'settingsId');
      const scope = scopeOfRequest(req);
      const { outcomes } = await write(req, async (tx) => {
        const before = await deleteAuditedIn(tx, deviceSettingsSpec, { scope, id, ifMatch: req.headers['if-match'] });
        return { row: before, feeds: before };
      });
      return sendDeleted(reply, outcomes);
    },
  );
}
