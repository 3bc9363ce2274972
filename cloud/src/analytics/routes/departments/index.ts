/** `/v1/analytics/departments/:departmentId/...`: a department's windows and its overview (committed rows only). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { errorResponses } from '../../../http/error-body.js';
import type { AnalyticsDeps } from '../../deps.js';
import { departmentOverview } from '../../read/department-overview.js';
import { rowObject } from '../../windows/present.js';
import { defaultPatientQuery, queryNamed, scopeFor, timeRange } from '../lookup.js';
import { QueryIdParam, RangeQuerystring, Timestamp, Uuid, WindowRepresentation } from '../schemas.js';

const Params = Type.Object({ departmentId: Uuid }, { additionalProperties: false });
const ERRORS = errorResponses(400, 401, 403, 404, 429, 503);
const DEFAULT_SINCE_MS = 15 * 60_000;

const MetricLatest = Type.Object(
  {
    value: Type.Number({ description: 'Latest value' }),
    measuredAt: Timestamp,
    news2: Type.Union([Type.Integer(), Type.Null()], { description: 'NEWS2 sub-score of the latest value' }),
    windowStart: Timestamp,
    windowEnd: Timestamp,
    count: Type.Integer(),
    avg: Type.Number(),
    min: Type.Number(),
    max: Type.Number(),
  },
  { additionalProperties: false },
);

const PatientOverview = Type.Object(
  {
    patientId: Uuid,
    bedId: Type.Union([Uuid, Type.Null()]),
    lastMeasuredAt: Timestamp,
    news2: Type.Object(
      {
        total: Type.Integer({ description: 'Sum of the latest sub-scores of the monitored parameters' }),
        risk: Type.String({ description: 'low, low-medium, medium or high' }),
        scored: Type.Array(Type.String(), { description: 'Metrics that contributed' }),
      },
      { additionalProperties: false },
    ),
    metrics: Type.Record(Type.String(), MetricLatest),
  },
  { additionalProperties: false },
);

export async function departmentRoutes(app: FastifyInstance, o: { deps: AnalyticsDeps }): Promise<void> {
  const { deps } = o;

  app.get(
    '/v1/analytics/departments/:departmentId/windows',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: ['analytics'],
        summary: "A department's windows of one department query and metric, starting in [from, to)",
        params: Params,
        querystring: RangeQuerystring,
        response: {
          200: Type.Object(
            { departmentId: Uuid, query: Type.String(), metric: Type.String(), windows: Type.Array(WindowRepresentation) },
            { additionalProperties: false },
          ),
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { departmentId } = req.params as { departmentId: string };
      const q = req.query as { query: string; metric: string; from: string; to: string; limit?: number };
      const query = queryNamed(deps, q.query, 'department');
      const range = timeRange(q.from, q.to);
      const scope = await scopeFor(deps, req, 'department', departmentId);
      const rows = await deps.pg.run(() =>
        deps.reader.range(scope, {
          query,
          groupKind: 'department',
          groupId: departmentId,
          metric: q.metric,
          ...range,
          limit: q.limit ?? 1_000,
        }),
      );
      return {
        departmentId,
        query: query.id,
        metric: q.metric,
        windows: rows.map((r) => ({ metric: r.metric, ...rowObject(query, r) })),
      };
    },
  );

  app.get(
    '/v1/analytics/departments/:departmentId/overview',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: ['analytics'],
        summary: "Every patient's latest values and NEWS2 total in a department",
        description:
          'Patients with a reading in the department since `since` (default: 15 minutes ago) whose newest reading is there; ' +
          'values from the newest window of each metric of a patient query (default: the finest one emitting changes); ' +
          'highest NEWS2 first.',
        params: Params,
        querystring: Type.Object(
          { query: Type.Optional(QueryIdParam), since: Type.Optional(Timestamp) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { departmentId: Uuid, query: Type.String(), since: Timestamp, patients: Type.Array(PatientOverview) },
            { additionalProperties: false },
          ),
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { departmentId } = req.params as { departmentId: string };
      const q = req.query as { query?: string; since?: string };
      const query = q.query === undefined ? defaultPatientQuery(deps) : queryNamed(deps, q.query, 'patient');
      const since = q.since === undefined ? deps.clock.now() - DEFAULT_SINCE_MS : Date.parse(q.since);
      const scope = await scopeFor(deps, req, 'department', departmentId);
      const rows = await deps.pg.run(() => deps.reader.departmentLatest(scope, query, departmentId, since));
      return {
        departmentId,
        query: query.id,
        since: new Date(since).toISOString(),
        patients: departmentOverview(departmentId, rows),
      };
    },
  );
}
