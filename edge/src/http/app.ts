/**
 * The gateway's HTTP app as one fastify plugin: operations routes now; the nurses' station view and the
 * configuration push-down register beside them later (they get the same `LocalState`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { LocalState } from '../local-state.js';
import type { EdgeMetrics } from '../metrics.js';
import type { EdgeStatus } from '../status.js';
import { healthRoutes, type HealthReport } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { statusRoutes } from './routes/status.js';

export interface EdgeAppOptions {
  readonly metrics: EdgeMetrics;
  readonly state: LocalState;
  readonly health: () => HealthReport;
  readonly status: () => Promise<EdgeStatus>;
}

export const edgeApp: FastifyPluginAsync<EdgeAppOptions> = async (app, opts) => {
  await app.register(healthRoutes, { health: opts.health });
  await app.register(metricsRoutes, { metrics: opts.metrics });
  await app.register(statusRoutes, { status: opts.status });
};
