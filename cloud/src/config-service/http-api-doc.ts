/**
 * docs/config-api.md, generated from the configuration service's OpenAPI document (itself generated from the
 * route schemas) with the storage service's renderer. `npx tsx cloud/src/cli/config-service-api-doc.ts` writes
 * it; a test checks the file equals the output. The app is built but never started: no connection is opened.
 */
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import '@fastify/swagger';
import { systemClock } from '@vitals/shared';
import { createAuthenticator } from '../auth/authenticator.js';
import { createPgCredentialStore } from '../auth/credential-store.js';
import { isPgUnavailable } from '../db/pg-errors.js';
import { createPgPool } from '../db/pool.js';
import { createMetricsRegistry } from '../http/metrics.js';
import { createLogger } from '../logging.js';
import { createDependencyGuard } from '../resilience/dependency-guard.js';
import { renderHttpApiMarkdown } from '../storage/http-api-doc.js';
import configApp from './app.js';
import { loadConfigServiceConfig } from './config.js';
import type { ConfigServiceDeps } from './deps.js';
import { createConfigServiceMetrics } from './metrics.js';
import type { ConfigTransport } from './mqtt/transport.js';
import { createPublisher } from './sync/publisher.js';
import { createReconciler } from './sync/reconciler.js';

type Json = Record<string, unknown>;

/** A broker that is never started: the document only needs the routes. */
const NO_BROKER: ConfigTransport = {
  kind: 'embedded',
  url: 'mqtt://127.0.0.1:1885',
  publish: async () => undefined,
  clear: async () => undefined,
  ready: () => false,
  connectedGateways: () => new Set(),
  revalidate: async () => undefined,
  close: async () => undefined,
};

export async function configOpenApi(): Promise<Json> {
  const config = loadConfigServiceConfig({ LOG_LEVEL: 'silent' });
  const log = createLogger({ level: 'silent' });
  const pool = createPgPool(
    { url: config.databaseUrl, max: 1, connectTimeoutMs: 1000, statementTimeoutMs: 1000, applicationName: 'vitals-config-doc' },
    log,
  );
  const registry = createMetricsRegistry({ service: 'config' });
  const metrics = createConfigServiceMetrics(registry);
  const pg = createDependencyGuard({
    name: 'postgres',
    isUnavailable: isPgUnavailable,
    threshold: 3,
    halfOpenAfterMs: 1000,
    timeoutMs: 1000,
    clock: systemClock,
  });
  const publisher = createPublisher({ pool, transport: NO_BROKER, clock: systemClock, log, metrics, retryMs: 1000 });
  const reconciler = createReconciler({
    pool,
    pg,
    clock: systemClock,
    log,
    metrics,
    publisher,
    transport: NO_BROKER,
    debounceMs: 100,
    reconcileIntervalMs: 60_000,
    retryMs: 1000,
  });
  const deps: ConfigServiceDeps = {
    config,
    log,
    clock: systemClock,
    pool,
    pg,
    authenticator: createAuthenticator({ store: createPgCredentialStore(pool) }),
    registry,
    metrics,
    transport: NO_BROKER,
    publisher,
    reconciler,
    listening: () => false,
  };
  const app = Fastify({ loggerInstance: log }) as unknown as FastifyInstance;
  app.register(configApp, { deps });
  try {
    await app.ready();
    return app.swagger() as unknown as Json;
  } finally {
    await app.close();
    reconciler.close();
    publisher.close();
    await pool.end();
  }
}

const HEADER = [
  '# HTTP API reference: configuration service',
  '',
  'Generated from the route schemas (the OpenAPI 3 document the service serves at `/docs/json`, browsable at `/docs`)',
  'by `npx tsx cloud/src/cli/config-service-api-doc.ts`; a test keeps this file equal to the generated text. Default',
  'port 8081 (`CONFIG_PORT`), HTTPS when `CLOUD_TLS_CERT_FILE`/`CLOUD_TLS_KEY_FILE` are set. How documents reach the',
  'gateways (MQTT topics, broker rules, acknowledgements) is in `cloud/README.md`, section "Configuration service".',
  '',
  'Authentication, roles, customer scoping, error bodies and pagination are those of the storage API',
  '(docs/http-api.md): `Authorization: Bearer <API key or JWT>`; **Roles** lists who may call (gateways use MQTT, never',
  "this API); another customer's resource answers 404. Writes answer `ETag`; PATCH and DELETE honour `If-Match` (412",
  'when stale). A write that changes gateway documents names the versions it issued in the `Config-Versions` header',
  '(`gw-a=4, gw-b=2`); a write that would give a gateway an invalid document is refused with 400',
  '(`CONFIG_ERR_INVALID_RULE`, `CONFIG_ERR_INVALID_DOCUMENT`) and nothing is stored or published.',
  '',
];

export function renderConfigApiMarkdown(doc: Json): string {
  const body = renderHttpApiMarkdown(doc);
  return `${HEADER.join('\n')}\n${body.slice(body.indexOf('\n## ') + 1)}`;
}
