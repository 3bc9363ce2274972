/**
 * A real HTTP(S) server standing in for the cloud ingest API (`POST /v1/readings:batch`), whose behaviour the
 * test switches: answer, refuse connections (closed port), 503 with Retry-After, slow answers, per-reading
 * rejections. It deduplicates by reading id like the real one, and records what it accepted, in order.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Reading, ReadingOutcome, ReadingsBatchResponse } from '@vitals/shared';

export type CloudMode =
  | { kind: 'ok' }
  | { kind: 'unavailable'; retryAfterSeconds?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'status'; status: number };

export interface StandInCloud {
  readonly url: string;
  readonly port: number;
  /** Readings accepted (first time seen), in arrival order. */
  readonly accepted: Reading[];
  /** Every reading id received, with how often. */
  readonly seen: Map<string, number>;
  readonly requests: Array<{ at: number; status: number; count: number; authorization: string | undefined; gzip: boolean }>;
  mode: CloudMode;
  /** A batch for which this returns true is refused whole with 400 (a "malformed" batch). */
  badBatch: (readings: readonly Reading[]) => boolean;
  /** Readings for which this returns a reason are answered `rejected`. */
  reject: (r: Reading) => string | undefined;
  /** Stops listening (connections are then refused) and starts again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startStandInCloud(
  opts: { tls?: { cert: Buffer; key: Buffer }; port?: number } = {},
): Promise<StandInCloud> {
  const sockets = new Set<Socket>();
  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const gzip = req.headers['content-encoding'] === 'gzip';
    const raw = Buffer.concat(chunks);
    const record = (status: number, count = 0) =>
      cloud.requests.push({ at: Date.now(), status, count, authorization: req.headers.authorization, gzip });
    if (req.method !== 'POST' || req.url !== '/v1/readings:batch') {
      record(404);
      res.writeHead(404).end();
      return;
    }
    const mode = cloud.mode;
    if (mode.kind === 'unavailable') {
      record(503);
      res.writeHead(503, mode.retryAfterSeconds === undefined ? {} : { 'retry-after': String(mode.retryAfterSeconds) });
      res.end('{"error":"unavailable"}');
      return;
    }
    if (mode.kind === 'status') {
      record(mode.status);
      res.writeHead(mode.status).end();
      return;
    }
    if (mode.kind === 'slow') await new Promise((r) => setTimeout(r, mode.delayMs));
    const body = JSON.parse((gzip ? gunzipSync(raw) : raw).toString('utf8')) as { readings: Reading[] };
    if (cloud.badBatch(body.readings)) {
      record(400, body.readings.length);
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"malformed reading"}');
      return;
    }
    const results: ReadingOutcome[] = body.readings.map((r) => {
      const reason = cloud.reject(r);
      if (reason)
        return { readingId: r.readingId, status: 'rejected', reason: reason as ReadingOutcome['reason'], detail: 'stand-in' };
      const n = cloud.seen.get(r.readingId) ?? 0;
      cloud.seen.set(r.readingId, n + 1);
      if (n > 0) return { readingId: r.readingId, status: 'duplicate' };
      cloud.accepted.push(r);
      return { readingId: r.readingId, status: 'accepted' };
    });
    const answer: ReadingsBatchResponse = {
      accepted: results.filter((r) => r.status === 'accepted').length,
      duplicate: results.filter((r) => r.status === 'duplicate').length,
      rejected: results.filter((r) => r.status === 'rejected').length,
      results,
    };
    record(200, body.readings.length);
    if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };
  const make = () => {
    const server = opts.tls
      ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
      : http.createServer(handler);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return server;
  };
  let server = make();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(opts.port ?? 0);
  const cloud: StandInCloud = {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    accepted: [],
    seen: new Map(),
    requests: [],
    mode: { kind: 'ok' },
    reject: () => undefined,
    badBatch: () => false,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async start() {
      server = make();
      await listen(port);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
    },
  };
  return cloud;
}
