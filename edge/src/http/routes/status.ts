/** `GET /api/status`: the gateway's state as JSON (buffer, ingestion, uplink, listeners, devices). */
import type { FastifyPluginAsync } from 'fastify';
import { StatusSchema, type EdgeStatus } from '../../status.js';

export const statusRoutes: FastifyPluginAsync<{ status: () => Promise<EdgeStatus> }> = async (app, opts) => {
  app.get('/api/status', { schema: { response: { 200: StatusSchema } } }, async () => opts.status());
};
