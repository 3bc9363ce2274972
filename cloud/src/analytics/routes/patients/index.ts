/** `/v1/analytics/patients/:patientId/...`: a patient's windows (committed rows only). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { errorResponses } from '../../../http/error-body.js';
import type { AnalyticsDeps } from '../../deps.js';
import { rowObject } from '../../windows/present.js';
import { defaultPatientQuery, queryNamed, scopeFor, timeRange } from '../lookup.js';
import { QueryIdParam, RangeQuerystring, Uuid, WindowRepresentation } from '../schemas.js';

const Params = Type.Object({ patientId: Uuid }, { additionalProperties: false });
const ERRORS = errorResponses(400, 401, 403, 404, 429, 503);

export async function patientRoutes(app: FastifyInstance, o: { deps: AnalyticsDeps }): Promise<void> {
  const { deps } = o;

  app.get(
    '/v1/analytics/patients/:patientId/windows',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: ['analytics'],
        summary: "A patient's windows of one query and metric, starting in [from, to), oldest first",
        description: 'Only committed rows; for a query with `emit: final`, only closed windows.',
        params: Params,
        querystring: RangeQuerystring,
        response: {
          200: Type.Object(
            { patientId: Uuid, query: Type.String(), metric: Type.String(), windows: Type.Array(WindowRepresentation) },
            { additionalProperties: false },
          ),
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { patientId } = req.params as { patientId: string };
      const q = req.query as { query: string; metric: string; from: string; to: string; limit?: number };
      const query = queryNamed(deps, q.query, 'patient');
      const range = timeRange(q.from, q.to);
      const scope = await scopeFor(deps, req, 'patient', patientId);
      const rows = await deps.pg.run(() =>
        deps.reader.range(scope, {
          query,
          groupKind: 'patient',
          groupId: patientId,
          metric: q.metric,
          ...range,
          limit: q.limit ?? 1_000,
        }),
      );
      return {
        patientId,
        query: query.id,
        metric: q.metric,
        windows: rows.map((r) => ({ metric: r.metric, ...rowObject(query, r) })),
      };
    },
  );

  app.get(
    '/v1/analytics/patients/:patientId/latest',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: ['analytics'],
        summary: 'The newest window of every metric of a patient',
        description: 'Default query: the finest patient query that emits changes.',
        params: Params,
        querystring: Type.Object({ query: Type.Optional(QueryIdParam) }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            { patientId: Uuid, query: Type.String(), windows: Type.Array(WindowRepresentation) },
            { additionalProperties: false },
          ),
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { patientId } = req.params as { patientId: string };
      const { query: queryId } = req.query as { query?: string };
      const query = queryId === undefined ? defaultPatientQuery(deps) : queryNamed(deps, queryId, 'patient');
      const scope = await scopeFor(deps, req, 'patient', patientId);
      const rows = await deps.pg.run(() => deps.reader.latest(scope, query, patientId));
      return { patientId, query: query.id, windows: rows.map((r) => ({ metric: r.metric, ...rowObject(query, r) })) };
    },
  );
}
