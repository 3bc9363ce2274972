/**
 * The dispatcher's HTTP(S) listener for operators: `/healthz`, `/readyz` (PostgreSQL answers), `/metrics`
 * (Prometheus) and `/api/status` (partitions held, re-sends due). Built from the shared health and metrics plugins.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { PUBLIC } from '../auth/access.js';
import { healthPlugin, type HealthCheck } from '../http/health.js';
import { metricsPlugin } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';

export interface StatusServerOptions {
  readonly port: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, HealthCheck>>;
  readonly status: () => Record<string, unknown>;
}

export async function startStatusServer(o: StatusServerOptions): Promise<{ app: FastifyInstance; url: string; port: number }> {
  const tls = loadTlsOptions(o.tls);
  const app = Fastify({ logger: false, ...(tls ? { https: { ...tls } } : {}) }) as unknown as FastifyInstance;
  await app.register(metricsPlugin, { registry: o.registry });
  await app.register(healthPlugin, { timeoutMs: 2_000, checks: o.checks });
  app.get('/api/status', { config: { access: PUBLIC } }, async () => o.status());
  await app.listen({ port: o.port, host: '0.0.0.0' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return { app, port, url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}` };
}
