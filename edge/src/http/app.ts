/**
 * The gateway's HTTP app as one fastify plugin: operations routes, the local alarms (list, acknowledge) and the
 * applied configuration; the nurses' station view registers beside them (it gets the same `LocalState`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ActiveAlarmView, LocalState } from '../local-state.js';
import type { EdgeMetrics } from '../metrics.js';
import type { EdgeStatus } from '../status.js';
import { alarmRoutes } from './routes/alarms.js';
import { configRoutes, type ConfigView } from './routes/config.js';
import { healthRoutes, type HealthReport } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { statusRoutes } from './routes/status.js';
import { wardViewRoutes } from './ward-view/plugin.js';

export interface EdgeAppOptions {
  readonly metrics: EdgeMetrics;
  readonly state: LocalState;
  readonly health: () => HealthReport;
  readonly status: () => Promise<EdgeStatus>;
  readonly alarms: {
    readonly acknowledge: (id: string, actor: string | null) => ActiveAlarmView | undefined;
    readonly configVersion: () => number;
  };
  readonly config: () => ConfigView;
}

export const edgeApp: FastifyPluginAsync<EdgeAppOptions> = async (app, opts) => {
  await app.register(healthRoutes, { health: opts.health });
  await app.register(metricsRoutes, { metrics: opts.metrics });
  await app.register(statusRoutes, { status: opts.status });
  await app.register(wardViewRoutes, { state: opts.state, status: opts.status });
  await app.register(alarmRoutes, { state: opts.state, ...opts.alarms });
  await app.register(configRoutes, { view: opts.config });
};
