/**
 * `/v1/alert-thresholds`: alarm rules per metric (low/high, IEC priority, hysteresis) at customer, department or
 * patient scope. Every write, in one transaction: the row, its audit record, the check that the metric's bands at
 * that scope still nest, and the recomputed documents of every gateway it feeds. A document that would be invalid
 * refuses the write (400, nothing stored or published); otherwise the new versions are published after the
 * commit and named in the `Config-Versions` header. PATCH and DELETE honour If-Match (412 when stale).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { bandSetProblems, type MetricCode, type ThresholdRule } from '@vitals/shared';
import { allow } from '../../../auth/access.js';
import { scopeOfRequest } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { customerForWrite } from '../../../auth/scope.js';
import type { Queryable } from '../../../db/transaction.js';
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
import { ConfigServiceErrors } from '../../errors.js';
import { thresholdSpec } from '../../store/specs.js';
import type { RecomputeOutcome } from '../../sync/recompute.js';
import { actorOf, changeContext, getResource, listResource, paramOf, sendDeleted, sendWritten, type Body } from '../common.js';
import { ruleOfRow, ruleProblems, scopeOfRule, type RuleFields } from './rules.js';
import { CreateThreshold, PatchThreshold, Threshold, ThresholdFilters } from './schemas.js';

const READ_ERRORS = errorResponses(400, 401, 403, 404, 429, 503);
const WRITE_ERRORS = errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503);
const TAG = 'alert-thresholds';

function refuseIfInvalid(rule: RuleFields): void {
  const problems = ruleProblems(rule);
  if (problems.length > 0) throw ConfigServiceErrors.CONFIG_ERR_INVALID_RULE(problems.join('; '));
}

/** The enabled bands of the rule's metric at the rule's scope must still nest (one per priority, escalating). */
async function checkBandSet(db: Queryable, customerId: string, rule: RuleFields): Promise<void> {
  const { rows } = await db.query<Row>(
    `SELECT * FROM alert_thresholds
      WHERE customer_id = $1 AND scope = $2 AND metric = $3 AND enabled
        AND department_id IS NOT DISTINCT FROM $4::uuid AND patient_id IS NOT DISTINCT FROM $5::uuid`,
    [customerId, rule.scope, rule.metric, rule.departmentId, rule.patientId],
  );
  const bands: ThresholdRule[] = rows.map(ruleOfRow).map((r) => ({
    metric: r.metric as MetricCode,
    priority: r.priority,
    hysteresis: r.hysteresis,
    scope: r.scope,
    ...(r.low === null ? {} : { low: r.low }),
    ...(r.high === null ? {} : { high: r.high }),
  }));
  const problems = bandSetProblems(bands);
  if (problems.length > 0)
    throw ConfigServiceErrors.CONFIG_ERR_INVALID_RULE(`${rule.metric} at ${rule.scope} scope: ${problems.join('; ')}`);
}

export async function thresholdRoutes(app: FastifyInstance, o: { deps: ConfigServiceDeps }): Promise<void> {
  const { deps } = o;
  const params = Type.Object({ thresholdId: Uuid });

  /** The write, its audit record and the recomputed documents, in one transaction; publish after the commit. */
  const write = async (
    req: Parameters<typeof actorOf>[0],
    work: (tx: WriteTx) => Promise<{ row: Row | undefined; customerId: string; check: RuleFields[]; feeds: RuleFields[] }>,
  ): Promise<{ row: Row | undefined; outcomes: RecomputeOutcome[] }> => {
    const result = await auditedWrite(deps, actorOf(req), async (tx) => {
      const { row, customerId, check, feeds } = await work(tx);
      for (const rule of check) await checkBandSet(tx.client, customerId, rule);
      const outcomes = await deps.reconciler.recomputeForChange(tx.client, scopeOfRule(customerId, ...feeds), changeContext(req));
      return { row, outcomes };
    });
    deps.reconciler.afterCommit(result.outcomes);
    return result;
  };

  app.get(
    '/v1/alert-thresholds',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: [TAG],
        summary: 'List alarm rules',
        querystring: Type.Object(
          { ...PageQueryProperties, ...CustomerFilter, ...ThresholdFilters },
          { additionalProperties: false },
        ),
        response: { 200: PageSchema(Threshold), ...READ_ERRORS },
      },
    },
    async (req) => listResource(deps, req, thresholdSpec, scopeOfRequest(req)),
  );

  app.get(
    '/v1/alert-thresholds/:thresholdId',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: { tags: [TAG], summary: 'Get an alarm rule (ETag)', params, response: { 200: Threshold, ...READ_ERRORS } },
    },
    async (req, reply) => {
      const row = await getResource(deps, thresholdSpec, scopeOfRequest(req), paramOf(req, 'thresholdId'));
      return sendWritten(reply, thresholdSpec, row, []);
    },
  );

  app.post(
    '/v1/alert-thresholds',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Create an alarm rule; the documents of the gateways it feeds get new versions',
        body: CreateThreshold,
        response: { 201: Threshold, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const body = req.body as Body;
      const customerId = customerForWrite(scopeOfRequest(req), body.customerId as string | undefined);
      const rule: RuleFields = {
        scope: body.scope as RuleFields['scope'],
        departmentId: (body.departmentId as string | undefined) ?? null,
        patientId: (body.patientId as string | undefined) ?? null,
        metric: String(body.metric),
        low: (body.low as number | null | undefined) ?? null,
        high: (body.high as number | null | undefined) ?? null,
        priority: body.priority as RuleFields['priority'],
        hysteresis: (body.hysteresis as number | undefined) ?? 0,
      };
      refuseIfInvalid(rule);
      const { row, outcomes } = await write(req, async (tx) => {
        const created = await insertAuditedIn(
          tx,
          thresholdSpec,
          columnsOf(thresholdSpec, { ...body, customerId, hysteresis: rule.hysteresis }),
        );
        return { row: created, customerId, check: body.enabled === false ? [] : [rule], feeds: [rule] };
      });
      reply.header('location', `/v1/alert-thresholds/${String(row!.id)}`);
      return sendWritten(reply, thresholdSpec, row!, outcomes, 201);
    },
  );

  app.patch(
    '/v1/alert-thresholds/:thresholdId',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Change an alarm rule (If-Match supported)',
        params,
        headers: IfMatchHeaders,
        body: PatchThreshold,
        response: { 200: Threshold, ...WRITE_ERRORS },
      },
    },
    async (req, reply) => {
      const id = paramOf(req, 'thresholdId');
      const body = req.body as Body;
      const scope = scopeOfRequest(req);
      const { row, outcomes } = await write(req, async (tx) => {
        const { after } = await updateAuditedIn(tx, thresholdSpec, {
          scope,
          id,
          ifMatch: req.headers['if-match'],
          values: columnsOf(thresholdSpec, body),
          // The rule as it will be must still be a valid rule.
          precheck: (before) => {
            const merged = { ...ruleOfRow(before) };
            for (const k of ['low', 'high', 'priority', 'hysteresis'] as const) {
              if (body[k] !== undefined) (merged as Record<string, unknown>)[k] = body[k];
            }
            refuseIfInvalid(merged);
          },
        });
        const rule = ruleOfRow(after);
        return { row: after, customerId: String(after.customer_id), check: after.enabled === false ? [] : [rule], feeds: [rule] };
      });
      return sendWritten(reply, thresholdSpec, row!, outcomes);
    },
  );

  app.delete(
    '/v1/alert-thresholds/:thresholdId',
    {
      config: { access: allow(ROLE_SETS.writers) },
      schema: {
        tags: [TAG],
        summary: 'Delete an alarm rule (If-Match supported)',
        params,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 412, 429, 503) },
      },
    },
    async (req, reply) => {
      const id = paramOf(req, 'thresholdId');
      const scope = scopeOfRequest(req);
      const { outcomes } = await write(req, async (tx) => {
        const before = await deleteAuditedIn(tx, thresholdSpec, { scope, id, ifMatch: req.headers['if-match'] });
        // Nothing left to nest-check; the gateways the rule fed are recomputed.
        return { row: undefined, customerId: String(before.customer_id), check: [], feeds: [ruleOfRow(before)] };
      });
      return sendDeleted(reply, outcomes);
    },
  );
}
