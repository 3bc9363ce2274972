/**
 * Runs the configuration service: reads nothing itself (config comes in), builds the adapters (PostgreSQL pool
 * and guard, authenticator, the MQTT broker: embedded aedes or an external one, the publisher, the reconciler,
 * the change listener), the fastify server (HTTPS when configured), listens, and closes in order: stop
 * accepting requests, stop listening for changes and reconciling, close the broker, then PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { systemClock, type Clock } from '@vitals/shared';
import { createAuthenticator } from '../auth/authenticator.js';
import { createPgCredentialStore } from '../auth/credential-store.js';
import { createJwtVerifier } from '../auth/jwt.js';
import { hashToken } from '../auth/tokens.js';
import { isPgUnavailable } from '../db/pg-errors.js';
import { createPgPool } from '../db/pool.js';
import { createMetricsRegistry } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';
import { createLogger, type Logger } from '../logging.js';
import { createDependencyGuard } from '../resilience/dependency-guard.js';
import configApp from './app.js';
import { mqttTlsFiles, type ConfigServiceConfig } from './config.js';
import type { ConfigServiceDeps } from './deps.js';
import { ConfigServiceErrors } from './errors.js';
import { createConfigServiceMetrics } from './metrics.js';
import { startEmbeddedBroker, type GatewayCredentials } from './mqtt/embedded-broker.js';
import { startExternalBroker } from './mqtt/external-broker.js';
import type { ConfigTransport, TransportEvents } from './mqtt/transport.js';
import { createAckRecorder } from './sync/ack-recorder.js';
import { startChangeListener, type ChangeListener } from './sync/change-listener.js';
import { createPublisher } from './sync/publisher.js';
import { createReconciler } from './sync/reconciler.js';

export interface RunningConfigService {
  /** `http(s)://host:port` of the REST API. */
  readonly url: string;
  /** Where gateways connect: `mqtt(s)://host:port` (embedded) or the external broker's URL. */
  readonly mqttUrl: string;
  readonly app: FastifyInstance;
  readonly deps: ConfigServiceDeps;
  close(): Promise<void>;
}

function readTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } | undefined {
  if (certFile === '' && keyFile === '') return undefined;
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw ConfigServiceErrors.CONFIG_ERR_TLS_FILES.withCause(err, file, (err as Error).message);
    }
  };
  return { cert: read(certFile), key: read(keyFile) };
}

async function startTransport(
  config: ConfigServiceConfig,
  events: TransportEvents,
  log: Logger,
  credentials: GatewayCredentials,
) {
  if (config.mqttMode === 'external') {
    return startExternalBroker({
      url: config.mqttUrl,
      clientId: config.mqttClientId,
      username: config.mqttUsername,
      password: config.mqttPassword,
      caFile: config.mqttCaFile,
      events,
      log: log.child({ unit: 'mqtt' }),
    });
  }
  const files = mqttTlsFiles(config);
  const tls = readTls(files.certFile, files.keyFile);
  return startEmbeddedBroker({
    host: config.host,
    port: config.mqttPort,
    ...(tls ? { tls } : {}),
    credentials,
    events,
    log: log.child({ unit: 'mqtt' }),
  });
}

export async function startConfigService(
  config: ConfigServiceConfig,
  o: {
    log?: Logger;
    clock?: Clock;
    /** Receives every route registered (route enumeration in tests). */ onRoute?: (r: RouteOptions) => void;
  } = {},
): Promise<RunningConfigService> {
  const log = o.log ?? createLogger({ level: config.logLevel, name: 'config' });
  const clock = o.clock ?? systemClock;
  const httpTls = loadTlsOptions({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile });
  const registry = createMetricsRegistry({ service: 'config' });
  const metrics = createConfigServiceMetrics(registry);
  const pool = createPgPool(
    {
      url: config.databaseUrl,
      max: config.pgPoolMax,
      connectTimeoutMs: config.pgConnectTimeoutMs,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      applicationName: 'vitals-config',
    },
    log,
  );
  const pgGuard = createDependencyGuard({
    name: 'postgres',
    isUnavailable: isPgUnavailable,
    threshold: config.breakerThreshold,
    halfOpenAfterMs: config.breakerHalfOpenAfterMs,
    timeoutMs: config.dependencyTimeoutMs,
    clock,
    onStateChange: (state) => log.warn({ dependency: 'postgres', state }, `circuit breaker of postgres is ${state}`),
  });
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => pool.end()];
  const cleanup = async () => {
    for (const c of cleanups.reverse())
      await Promise.resolve(c()).catch((err: unknown) => log.warn({ err }, 'close step failed'));
  };
  try {
    const acks = createAckRecorder({ pool, pg: pgGuard, clock, log, metrics });
    const credentials: GatewayCredentials = {
      async check(gatewayId, token) {
        const hash = hashToken(token);
        const { rows } = await pgGuard.run(() =>
          pool.query('SELECT 1 FROM gateways WHERE id = $1 AND token_hash = $2 AND deleted_at IS NULL', [gatewayId, hash]),
        );
        return rows.length > 0 ? hash : undefined;
      },
      async currentHash(gatewayId) {
        const { rows } = await pgGuard.run(() =>
          pool.query<{ token_hash: string }>('SELECT token_hash FROM gateways WHERE id = $1 AND deleted_at IS NULL', [gatewayId]),
        );
        return rows[0]?.token_hash;
      },
    };
    const started: { transport?: ConfigTransport } = {};
    const transport = await startTransport(
      config,
      {
        onAck: (gatewayId, payload) => acks.record(gatewayId, payload),
        onPresence: (gatewayId) => {
          acks.seen(gatewayId);
          metrics.gatewaysConnected.set(started.transport?.connectedGateways()?.size ?? 0);
        },
      },
      log,
      credentials,
    );
    started.transport = transport;
    cleanups.push(() => transport.close());
    const publisher = createPublisher({ pool, transport, clock, log, metrics, retryMs: config.publishRetryMs });
    cleanups.push(() => publisher.close());
    const reconciler = createReconciler({
      pool,
      pg: pgGuard,
      clock,
      log: log.child({ unit: 'reconciler' }),
      metrics,
      publisher,
      transport,
      debounceMs: config.debounceMs,
      reconcileIntervalMs: config.reconcileIntervalMs,
      retryMs: config.publishRetryMs,
    });
    cleanups.push(() => reconciler.close());
    let listenedBefore = false;
    const listener: ChangeListener = startChangeListener({
      url: config.databaseUrl,
      connectTimeoutMs: config.pgConnectTimeoutMs,
      clock,
      log,
      onChange: (scope) => reconciler.notify(scope),
      onListening: () => {
        // First time: everything, and every newest version republished (the embedded broker starts empty).
        void reconciler.reconcileAll(listenedBefore ? 'reconcile (listener reconnected)' : 'startup', {
          republish: !listenedBefore,
        });
        listenedBefore = true;
      },
      onState: (up) => metrics.listenerUp.set(up ? 1 : 0),
    });
    cleanups.push(() => listener.close());
    reconciler.start();

    const authenticator = createAuthenticator({
      store: createPgCredentialStore(pool),
      jwt:
        config.jwtSecret === ''
          ? undefined
          : createJwtVerifier({ secret: config.jwtSecret, issuer: config.jwtIssuer, audience: config.jwtAudience, clock }),
      guard: pgGuard,
    });
    const deps: ConfigServiceDeps = {
      config,
      log,
      clock,
      pool,
      pg: pgGuard,
      authenticator,
      registry,
      metrics,
      transport,
      publisher,
      reconciler,
      listening: () => listener.connected(),
    };
    const app = Fastify({
      loggerInstance: log,
      bodyLimit: config.apiBodyLimit,
      exposeHeadRoutes: false,
      genReqId: () => randomUUID(),
      forceCloseConnections: 'idle' as const,
      return503OnClosing: true,
      ...(httpTls ? { https: { ...httpTls } } : {}),
    }) as unknown as FastifyInstance;
    if (o.onRoute) app.addHook('onRoute', o.onRoute);
    app.register(configApp, { deps });
    cleanups.push(() => app.close());
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    log.info({ port, mqtt: transport.url, mode: config.mqttMode }, 'configuration service started');
    let closing: Promise<void> | undefined;
    return {
      url: `${httpTls ? 'https' : 'http'}://${host}:${port}`,
      mqttUrl: transport.url,
      app,
      deps,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
