/**
 * Prometheus metrics of an HTTP service: one registry per application (so several can live in one process, as in
 * `cloud all` and in tests), process metrics, request counts and durations by route template, and `/metrics`.
 * Services add their own metrics to the same registry.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PUBLIC } from '../auth/access.js';

export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'vitals_' });
  return registry;
}

export interface MetricsPluginOptions {
  readonly registry: Registry;
}

async function plugin(app: FastifyInstance, o: MetricsPluginOptions): Promise<void> {
  const requests = new Counter({
    name: 'vitals_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [o.registry],
  });
  const duration = new Histogram({
    name: 'vitals_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [o.registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get(
    '/metrics',
    { config: { access: PUBLIC }, schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [] } },
    async (_req, reply) => reply.type(o.registry.contentType).send(await o.registry.metrics()),
  );
}

export const metricsPlugin = fp(plugin, { name: 'vitals-metrics', fastify: '5.x' });
