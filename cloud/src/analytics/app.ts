/**
 * The analytics service as one fastify plugin: error mapping, authentication and per-route authorisation (the
 * storage API's), per-caller rate limits, OpenAPI + Swagger UI at /docs, metrics, health, status, the REST routes
 * grouped by URL and the WebSocket stream. Everything it talks to arrives in `deps`.
 */
import websocket from '@fastify/websocket';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PUBLIC } from '../auth/access.js';
import { authPlugin } from '../auth/plugin.js';
import { pingPg } from '../db/pool.js';
import { errorHandlerPlugin } from '../http/error-handler.js';
import { healthPlugin } from '../http/health.js';
import { metricsPlugin } from '../http/metrics.js';
import { registerOpenApi } from '../http/openapi.js';
import { registerRateLimit } from '../http/rate-limit.js';
import type { AnalyticsDeps } from './deps.js';
import { departmentRoutes } from './routes/departments/index.js';
import { patientRoutes } from './routes/patients/index.js';
import { queryRoutes } from './routes/queries/index.js';
import { streamRoutes } from './routes/stream/index.js';

export const ANALYTICS_API_VERSION = '1.0.0';

const TAGS = [
  { name: 'analytics', description: 'Windowed aggregates of readings (committed rows only)' },
  { name: 'stream', description: 'WebSocket push of committed window changes' },
  { name: 'operations', description: 'Health, status and metrics' },
];

const StatusBody = Type.Object(
  {
    instance: Type.String(),
    consuming: Type.Boolean(),
    listening: Type.Boolean(),
    partitions: Type.Array(
      Type.Object({
        partition: Type.Integer(),
        ready: Type.Boolean(),
        nextOffset: Type.Union([Type.String(), Type.Null()]),
        watermark: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
    engine: Type.Union([Type.Literal('node'), Type.Literal('flink')]),
    job: Type.Optional(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        state: Type.String(),
        started: Type.String(),
        checkpoints: Type.Integer(),
        lastCheckpointAt: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  },
  { additionalProperties: false },
);

async function analyticsApp(app: FastifyInstance, { deps }: { deps: AnalyticsDeps }): Promise<void> {
  const { config } = deps;
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', String(req.id));
    return payload;
  });
  await app.register(errorHandlerPlugin, { registry: deps.registry });
  await app.register(authPlugin, { authenticator: deps.authenticator });
  await registerRateLimit(app, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs });
  await registerOpenApi(app, {
    title: 'Vitals cloud analytics',
    version: ANALYTICS_API_VERSION,
    description: 'Event-time windows of vital-sign readings: REST reads of committed windows and a WebSocket push of changes.',
    tags: TAGS,
    serveUi: config.docsEnabled,
  });
  await app.register(metricsPlugin, { registry: deps.registry });
  await app.register(healthPlugin, {
    checks: {
      postgres: () => pingPg(deps.pool),
      kafka: () => deps.kafkaProbe.check(),
      consumer: async () => {
        const s = deps.status();
        if (!s.consuming) throw new Error('the consumer is not running');
        if (s.job && s.job.state !== 'RUNNING') throw new Error(`Flink job ${s.job.id} is ${s.job.state}`);
      },
    },
    timeoutMs: 5_000,
  });
  app.get(
    '/api/status',
    {
      config: { access: PUBLIC },
      schema: {
        tags: ['operations'],
        summary: 'Partitions of this instance: stored offset and watermark',
        security: [],
        response: { 200: StatusBody },
      },
    },
    async () => deps.status(),
  );
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(queryRoutes, { deps });
  await app.register(patientRoutes, { deps });
  await app.register(departmentRoutes, { deps });
  await app.register(streamRoutes, {
    deps: {
      authenticator: deps.authenticator,
      reader: deps.reader,
      hub: deps.hub,
      queries: new Map(deps.queries.map((q) => [q.id, q])),
      clock: deps.clock,
      log: deps.log,
      metrics: deps.metrics,
      maxBufferedBytes: config.wsMaxBufferedBytes,
      maxSubscriptions: config.wsMaxSubscriptions,
      authTimeoutMs: config.wsAuthTimeoutMs,
    },
  });
}

export default fp(analyticsApp, { name: 'vitals-analytics', fastify: '5.x' });
