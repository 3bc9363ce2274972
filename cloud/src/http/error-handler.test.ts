import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging.js';
import { errorHandlerPlugin } from './error-handler.js';
import { createMetricsRegistry } from './metrics.js';

async function appWith(routes: Record<string, () => unknown>) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const registry = createMetricsRegistry();
  const app = Fastify({ loggerInstance: createLogger({ level: 'error', destination }) });
  await app.register(errorHandlerPlugin, { registry });
  for (const [url, handler] of Object.entries(routes)) app.get(url, async () => handler());
  await app.ready();
  return { app, lines, registry };
}

describe('the request-level safety net', () => {
  it('fails only the request for anything a route throws: 500 with the request id, logged with err, counted', async () => {
    const { app, lines, registry } = await appWith({
      '/type-error': () => (undefined as unknown as { x: { y: number } }).x.y,
      '/null': () => {
        throw null;
      },
      '/string': () => Promise.reject(new Error('boom')),
      '/fine': () => ({ ok: true }),
    });
    for (const url of ['/type-error', '/null', '/string']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(500);
      const body = r.json<{ code: string; requestId: string; message: string }>();
      expect(body.code).toBe('CLOUD_ERR_INTERNAL');
      expect(body.requestId).toMatch(/.+/);
      expect(body.message).toContain(body.requestId);
    }
    expect((await app.inject({ url: '/fine' })).statusCode).toBe(200);
    const logged = lines.filter((l) => l.msg === 'request failed');
    expect(logged).toHaveLength(3);
    expect(logged.every((l) => l.level === 50 && typeof l.err === 'object' && l.reqId !== undefined)).toBe(true);
    const metric = await registry.getSingleMetricAsString('vitals_http_unexpected_errors_total');
    expect(metric).toContain('vitals_http_unexpected_errors_total{method="GET",route="/type-error"} 1');
    expect(metric).toContain('route="/null"} 1');
    expect(metric).toContain('route="/string"} 1');
    await app.close();
  });
});
