/** `GET /healthz`: 200 while the buffer takes writes (the uplink being down is normal operation), else 503. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

export const HealthSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
    checks: Type.Record(Type.String(), Type.String()),
  },
  { $id: 'EdgeHealth' },
);
export type HealthReport = Static<typeof HealthSchema>;

export const healthRoutes: FastifyPluginAsync<{ health: () => HealthReport }> = async (app, opts) => {
  app.get('/healthz', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_req, reply) => {
    const h = opts.health();
    return reply.code(h.status === 'ok' ? 200 : 503).send(h);
  });
};
