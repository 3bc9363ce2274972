/**
 * The storage service as one fastify plugin: error mapping, authentication and per-route authorisation, per-caller
 * rate limits, gzip bodies, OpenAPI + Swagger UI, metrics, health, then the routes grouped by URL. Everything it
 * talks to arrives in `deps` (deps.ts), so the plugin itself does no I/O until a request comes.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { authPlugin } from '../auth/plugin.js';
import { pingPg } from '../db/pool.js';
import { decompressionPlugin } from '../http/decompression.js';
import { errorHandlerPlugin } from '../http/error-handler.js';
import { healthPlugin } from '../http/health.js';
import { metricsPlugin } from '../http/metrics.js';
import { registerOpenApi } from '../http/openapi.js';
import { registerRateLimit } from '../http/rate-limit.js';
import { STORAGE_API_VERSION } from './api-version.js';
import type { StorageDeps } from './deps.js';
import { mapPgError } from './reference/pg-error-map.js';
import { apiKeyRoutes } from './routes/api-keys/index.js';
import { assignmentRoutes } from './routes/assignments/index.js';
import { auditLogRoutes } from './routes/audit-log/index.js';
import { bedRoutes } from './routes/beds/index.js';
import { customerRoutes } from './routes/customers/index.js';
import { departmentRoutes } from './routes/departments/index.js';
import { deviceRoutes } from './routes/devices/index.js';
import { FHIR_TAG, fhirRoutes } from './routes/fhir/index.js';
import { gatewayRoutes } from './routes/gateways/index.js';
import { patientRoutes } from './routes/patients/index.js';
import { readingRoutes } from './routes/readings/index.js';

export interface StorageAppOptions {
  readonly deps: StorageDeps;
}

export { STORAGE_API_VERSION };

const TAGS = [
  { name: 'ingest', description: 'Readings from gateways and devices (gateway role)' },
  { name: 'customers', description: 'Tenants' },
  { name: 'departments', description: 'Wards of a customer' },
  { name: 'beds', description: 'Beds of a department' },
  { name: 'patients', description: 'Patients (soft delete)' },
  { name: 'devices', description: 'Bedside monitors, by wire id (soft delete)' },
  { name: 'gateways', description: 'Ward gateways and their ingest tokens' },
  { name: 'assignments', description: 'Device to patient and bed, over time' },
  { name: 'api-keys', description: 'API credentials' },
  { name: 'audit', description: 'Who changed what' },
  FHIR_TAG,
  { name: 'operations', description: 'Health and metrics' },
];

async function storageApp(app: FastifyInstance, { deps }: StorageAppOptions): Promise<void> {
  const { config } = deps;
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // JSON only: any other media type answers 415 (fastify would parse text/plain as a string).
  app.removeContentTypeParser('text/plain');
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', String(req.id));
    return payload;
  });
  await app.register(errorHandlerPlugin, {
    mapError: (err) => mapPgError(err, deps.pg.retryAfterSeconds()),
    registry: deps.registry,
  });
  await app.register(authPlugin, { authenticator: deps.authenticator });
  await registerRateLimit(app, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs });
  await app.register(decompressionPlugin);
  await registerOpenApi(app, {
    title: 'Vitals cloud storage',
    version: STORAGE_API_VERSION,
    description: 'Reading ingest and reference data of the bedside vital-sign platform.',
    tags: TAGS,
    serveUi: config.docsEnabled,
  });
  await app.register(metricsPlugin, { registry: deps.registry });
  await app.register(healthPlugin, {
    checks: { postgres: () => pingPg(deps.pool), kafka: () => deps.kafkaProbe.check() },
    timeoutMs: 5_000,
    onResult: (name, up) => deps.metrics.dependencyUp(name, up),
    describe: () => ({ postgres: deps.pg.state(), kafka: deps.kafka.state() }),
  });
  for (const routes of [
    readingRoutes,
    customerRoutes,
    departmentRoutes,
    bedRoutes,
    patientRoutes,
    deviceRoutes,
    gatewayRoutes,
    assignmentRoutes,
    apiKeyRoutes,
    auditLogRoutes,
    fhirRoutes,
  ]) {
    await app.register(routes, { deps });
  }
}

export default fp(storageApp, { name: 'vitals-storage', fastify: '5.x' });
