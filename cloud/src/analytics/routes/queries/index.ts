/** `/v1/analytics/queries`: the declared window queries (what the other routes and the WebSocket accept). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { errorResponses } from '../../../http/error-body.js';
import type { AnalyticsDeps } from '../../deps.js';
import { DEFAULT_RETENTION } from '../../queries/compile.js';
import { columnsOf } from '../../windows/present.js';
import { QueryRepresentation } from '../schemas.js';

export async function queryRoutes(app: FastifyInstance, o: { deps: AnalyticsDeps }): Promise<void> {
  const body = o.deps.queries.map((q) => ({
    id: q.id,
    description: q.description,
    metrics: q.definition.metrics,
    group: q.group,
    window: q.definition.window,
    aggregates: [...q.aggregates],
    grace: q.definition.grace,
    emit: q.emit,
    retention: q.definition.retention ?? DEFAULT_RETENTION,
    columns: columnsOf(q),
  }));
  app.get(
    '/v1/analytics/queries',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        tags: ['analytics'],
        summary: 'The declared window queries',
        response: {
          200: Type.Object({ queries: Type.Array(QueryRepresentation) }, { additionalProperties: false }),
          ...errorResponses(401, 403, 429),
        },
      },
    },
    async () => ({ queries: body }),
  );
}
