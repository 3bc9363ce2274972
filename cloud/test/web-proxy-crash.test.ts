/**
 * Regressions of the web service's pass-through, found while fixing issue 19: a caller that reset its connection
 * while its WebSocket upgrade waited for the upstream ended the process (Node takes its own error listener off an
 * upgraded socket, and the proxy added none until the upstream had answered); and a caller that aborted mid-body
 * left the body stream piped to the upstream without an error path. The web service runs as its own process (the
 * real CLI) in front of upstreams that are plain HTTP servers of this test, so a crash is seen as a crash.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { createTempDatabase, type TempDatabase } from '@vitals/stack/testing';
import { startCliService, type CliService } from './support/child-service.js';

let db: TempDatabase;
let upstream: http.Server;
let upstreamUrl: string;
let web: CliService;
let url: URL;
const upgrades: net.Socket[] = [];
const bodies: Array<{ bytes: number; error?: string }> = [];

beforeAll(async () => {
  db = await createTempDatabase({ migrate: true });
  // An upstream that answers requests once their body is in, and holds WebSocket upgrades without answering.
  upstream = http.createServer((req, res) => {
    const seen: { bytes: number; error?: string } = { bytes: 0 };
    bodies.push(seen);
    req.on('data', (c: Buffer) => (seen.bytes += c.length));
    req.on('error', (err) => (seen.error = err.message));
    req.on('end', () => res.end('{}'));
  });
  upstream.on('upgrade', (_req, socket: net.Socket) => {
    socket.on('error', () => undefined);
    upgrades.push(socket);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
  web = startCliService('web', {
    DATABASE_URL: db.url,
    WEB_HOST: '127.0.0.1',
    WEB_STORAGE_URL: upstreamUrl,
    WEB_ANALYTICS_URL: upstreamUrl,
    WEB_CONFIG_URL: upstreamUrl,
    WEB_ALERTS_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  });
  url = new URL(await web.url);
});
afterAll(async () => {
  await web?.kill();
  for (const s of upgrades) s.destroy();
  await new Promise((r) => upstream?.close(r));
  await db?.drop();
});

function rawClient(request: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(Number(url.port), url.hostname, () => {
      c.write(request);
      resolve(c);
    });
    c.on('error', reject);
  });
}

async function stillServing(): Promise<void> {
  const r = await fetch(`${url.origin}/api/storage/v1/anything`);
  expect(r.status).toBe(200);
  expect(web.alive()).toBe(true);
}

describe('the web pass-through survives callers that go away (issue 19 sweep)', () => {
  it('a caller resetting while its WebSocket upgrade waits for the upstream does not end the process', async () => {
    const before = upgrades.length;
    const c = await rawClient(
      'GET /api/analytics/v1/stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await waitFor(() => upgrades.length > before, { timeoutMs: 10_000, what: 'the upgrade to reach the upstream' });
    c.resetAndDestroy();
    await stillServing();
    await stillServing();
  });

  it('a caller aborting mid-body ends the upstream request too and the process keeps serving', async () => {
    const before = bodies.length;
    const c = await rawClient(
      'POST /api/storage/v1/patients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":',
    );
    await waitFor(() => (bodies[before]?.bytes ?? 0) > 0, { timeoutMs: 10_000, what: 'the body to reach the upstream' });
    c.resetAndDestroy();
    await waitFor(() => bodies[before]?.error, { timeoutMs: 10_000, what: 'the upstream request to be aborted' });
    await stillServing();
  });
});
