/**
 * The configuration service as one fastify plugin: coded errors, authentication with per-route access
 * declarations (the storage service's plugin: a route without one refuses to start), per-caller rate limits, gzip bodies,
 * OpenAPI + Swagger UI, metrics, health, then the routes grouped by URL. Everything it talks to arrives in `deps`.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { VitalsError } from '@vitals/shared';
import { authPlugin } from '../auth/plugin.js';
import { pingPg } from '../db/pool.js';
import { pgConstraint } from '../db/pg-errors.js';
import { CloudErrors } from '../errors.js';
import { decompressionPlugin } from '../http/decompression.js';
import { errorHandlerPlugin } from '../http/error-handler.js';
import { healthPlugin } from '../http/health.js';
import { metricsPlugin } from '../http/metrics.js';
import { registerOpenApi } from '../http/openapi.js';
import { registerRateLimit } from '../http/rate-limit.js';
import { mapPgError } from '../storage/reference/pg-error-map.js';
import type { ConfigServiceDeps } from './deps.js';
import { alarmReceiverRoutes } from './routes/alarm-receivers/index.js';
import { deviceSettingsRoutes } from './routes/device-settings/index.js';
import { gatewayConfigRoutes } from './routes/gateway-config/index.js';
import { thresholdRoutes } from './routes/thresholds/index.js';

export interface ConfigAppOptions {
  readonly deps: ConfigServiceDeps;
}

export const CONFIG_API_VERSION = '1.0.0';

export const CONFIG_API_TAGS = [
  { name: 'alert-thresholds', description: 'Alarm rules per metric at customer, department or patient scope' },
  { name: 'device-settings', description: 'Sampling interval, units and alarm enable per device or model' },
  { name: 'alarm-receivers', description: 'Where alarms go as HL7 v2.6 ORU^R40 over MLLP, per department or customer' },
  { name: 'gateway-config', description: 'Desired documents, versions, acknowledgements and sync status of gateways' },
  { name: 'operations', description: 'Health and metrics' },
];

const UNIQUE_MESSAGES: Record<string, string> = {
  alert_thresholds_one_rule: 'a rule for this metric and priority already exists at this scope',
  device_settings_one_per_target: 'settings for this device or model already exist',
};

function mapError(err: unknown, retryAfterSeconds: number): VitalsError | undefined {
  const unique = UNIQUE_MESSAGES[pgConstraint(err) ?? ''];
  if (unique && (err as { code?: string }).code === '23505') return CloudErrors.CLOUD_ERR_CONFLICT(unique);
  return mapPgError(err, retryAfterSeconds);
}

async function configApp(app: FastifyInstance, { deps }: ConfigAppOptions): Promise<void> {
  const { config } = deps;
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.removeContentTypeParser('text/plain');
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', String(req.id));
    return payload;
  });
  await app.register(errorHandlerPlugin, {
    mapError: (err) => mapError(err, deps.pg.retryAfterSeconds()),
    registry: deps.registry,
  });
  await app.register(authPlugin, { authenticator: deps.authenticator });
  await registerRateLimit(app, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs });
  await app.register(decompressionPlugin);
  await registerOpenApi(app, {
    title: 'Vitals configuration service',
    version: CONFIG_API_VERSION,
    description:
      'Alarm thresholds and device settings, pushed to the ward gateways as versioned documents over MQTT; the receivers the alarm dispatcher sends alarms to.',
    tags: CONFIG_API_TAGS,
    serveUi: config.docsEnabled,
  });
  await app.register(metricsPlugin, { registry: deps.registry });
  await app.register(healthPlugin, {
    checks: {
      postgres: () => pingPg(deps.pool),
      mqtt: async () => {
        if (!deps.transport.ready()) throw new Error(`MQTT broker ${deps.transport.url} not ready`);
      },
      listener: async () => {
        if (!deps.listening()) throw new Error('not listening for configuration input changes');
      },
    },
    timeoutMs: 5_000,
    describe: () => ({ postgres: deps.pg.state() }),
  });
  for (const routes of [thresholdRoutes, deviceSettingsRoutes, alarmReceiverRoutes, gatewayConfigRoutes])
    await app.register(routes, { deps });
}

export default fp(configApp, { name: 'vitals-config-service', fastify: '5.x' });
