/**
 * Runs the web service: reads nothing itself (config comes in), starts building the page bundle, builds the
 * authenticator (PostgreSQL credential store, JWT), the alert follower (Kafka), the fastify server with the
 * WebSocket pass-through, listens, and closes everything in order on `close()`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '@vitals/shared';
import { createAuthenticator } from '../auth/authenticator.js';
import { createPgCredentialStore } from '../auth/credential-store.js';
import { createJwtVerifier } from '../auth/jwt.js';
import { isPgUnavailable } from '../db/pg-errors.js';
import { createPgPool } from '../db/pool.js';
import { loadTlsOptions } from '../http/tls.js';
import { createKafkaClient } from '../kafka/client.js';
import { createLogger, type Logger } from '../logging.js';
import { createDependencyGuard } from '../resilience/dependency-guard.js';
import { startAlertFollower, type AlertFollower } from './alerts/alert-follower.js';
import webApp from './app.js';
import { bundlePage } from '@vitals/shared/page-bundle';
import type { WebConfig } from './config.js';
import { attachWebSocketProxy, type Upstream } from './proxy.js';

export const DASHBOARD_ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/src/main.tsx');

/** The analytics WebSocket, as the browser reaches it on this origin. */
export const STREAM_PATH = '/api/analytics/v1/stream';

export interface RunningWeb {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly alerts: AlertFollower | undefined;
  close(): Promise<void>;
}

export async function startWeb(config: WebConfig, o: { log?: Logger; clock?: Clock } = {}): Promise<RunningWeb> {
  const log = o.log ?? createLogger({ level: config.logLevel, name: 'web' });
  const clock = o.clock ?? systemClock;
  const bundle = bundlePage(DASHBOARD_ENTRY).catch((err: unknown) => {
    log.error({ err }, 'the dashboard could not be built; the API proxy runs on without it');
    return { error: (err as Error).message.split('\n')[0] ?? 'build failed' };
  });
  const tls = loadTlsOptions({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile });
  const upstreamCa = config.upstreamCaFile === '' ? undefined : readFileSync(config.upstreamCaFile);
  const pool = createPgPool(
    {
      url: config.databaseUrl,
      max: Math.min(config.pgPoolMax, 4),
      connectTimeoutMs: config.pgConnectTimeoutMs,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      applicationName: 'vitals-web',
    },
    log,
  );
  const authenticator = createAuthenticator({
    store: createPgCredentialStore(pool),
    jwt:
      config.jwtSecret === ''
        ? undefined
        : createJwtVerifier({ secret: config.jwtSecret, issuer: config.jwtIssuer, audience: config.jwtAudience, clock }),
    guard: createDependencyGuard({
      name: 'postgres',
      isUnavailable: isPgUnavailable,
      threshold: config.breakerThreshold,
      halfOpenAfterMs: config.breakerHalfOpenAfterMs,
      timeoutMs: config.dependencyTimeoutMs,
      clock,
    }),
  });
  const alerts = config.alertsEnabled
    ? startAlertFollower(
        createKafkaClient(
          {
            brokers: config.kafkaBrokers,
            clientId: `${config.kafkaClientId}-web`,
            connectTimeoutMs: config.kafkaConnectTimeoutMs,
            requestTimeoutMs: config.kafkaRequestTimeoutMs,
          },
          log,
        ),
        { topic: config.alertsTopic, log },
      )
    : undefined;
  const upstreams: Upstream[] = [
    { prefix: '/api/storage', url: config.storageUrl, name: 'storage service' },
    { prefix: '/api/analytics', url: config.analyticsUrl, name: 'analytics service' },
    { prefix: '/api/config', url: config.configUrl, name: 'configuration service' },
  ];
  const app = Fastify({
    loggerInstance: log,
    exposeHeadRoutes: false,
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ...(tls ? { https: { ...tls } } : {}),
  }) as unknown as FastifyInstance;
  const ws = attachWebSocketProxy(app.server, {
    upstreams,
    paths: [STREAM_PATH],
    timeoutMs: config.upstreamTimeoutMs,
    log,
    ...(upstreamCa ? { ca: upstreamCa } : {}),
  });
  app.addHook('preClose', async () => ws.closeAll());
  app.register(webApp, {
    deps: {
      authenticator,
      bundle,
      alerts,
      upstreams,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      log,
      ...(upstreamCa ? { upstreamCa } : {}),
    },
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    await alerts?.close();
    await pool.end();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  log.info({ port, upstreams: upstreams.map((u) => `${u.prefix} -> ${u.url}`) }, 'web started');
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    app,
    alerts,
    async close() {
      await app.close();
      await alerts?.close();
      await bundle;
      await pool.end();
      log.info('web stopped');
    },
  };
}
