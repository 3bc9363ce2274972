/** `GET /metrics`: Prometheus text exposition of the gateway's registry. */
import type { FastifyPluginAsync } from 'fastify';
import type { EdgeMetrics } from '../../metrics.js';

export const metricsRoutes: FastifyPluginAsync<{ metrics: EdgeMetrics }> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.metrics.registry.metrics();
    return reply.type(opts.metrics.registry.contentType).send(body);
  });
};
