/**
 * The web service's same-origin gateway to the APIs: `/api/storage/*`, `/api/analytics/*` and `/api/config/*` go
 * to the storage, analytics and configuration services unchanged (method, path after the prefix, query, headers
 * with the caller's `Authorization`, body streamed), and so does the analytics WebSocket
 * (`/api/analytics/v1/stream`, upgraded and piped both ways). The browser talks to one origin: no CORS, and the
 * upstream services keep doing all authentication and authorisation themselves.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC } from '../auth/access.js';
import { CloudErrors } from '../errors.js';
import type { Logger } from '../logging.js';

export interface Upstream {
  /** Path prefix on this service, e.g. `/api/storage`. */
  readonly prefix: string;
  /** Base URL of the service, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Name in errors and logs. */
  readonly name: string;
}

export interface ProxyOptions {
  readonly upstreams: readonly Upstream[];
  readonly timeoutMs: number;
  readonly ca?: Buffer;
  readonly log: Logger;
}

/** Hop-by-hop headers (RFC 9110 section 7.6.1) and those this hop sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export function forwardHeaders(
  headers: IncomingHttpHeaders,
  remote: string | undefined,
  proto: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = [prior, remote].filter(Boolean).join(', ');
  out['x-forwarded-proto'] = proto;
  return out;
}

/** `/api/storage/v1/patients?limit=5` -> upstream and `/v1/patients?limit=5`, or undefined. Pure. */
export function route(upstreams: readonly Upstream[], url: string): { upstream: Upstream; path: string } | undefined {
  for (const upstream of upstreams) {
    if (url === upstream.prefix || url.startsWith(`${upstream.prefix}/`) || url.startsWith(`${upstream.prefix}?`)) {
      const rest = url.slice(upstream.prefix.length);
      return { upstream, path: rest.startsWith('/') ? rest : `/${rest}` };
    }
  }
  return undefined;
}

function requestFn(url: URL): typeof http.request {
  return url.protocol === 'https:' ? https.request : http.request;
}

function unavailable(name: string, err: unknown) {
  return CloudErrors.CLOUD_ERR_DEPENDENCY_UNAVAILABLE(name, (err as Error).message || String(err));
}

export async function proxyRoutes(app: FastifyInstance, o: ProxyOptions): Promise<void> {
  // Bodies pass through unparsed: the upstream validates them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const target = route(o.upstreams, req.url);
    if (!target) throw CloudErrors.CLOUD_ERR_NOT_FOUND('route', req.url);
    const base = new URL(target.upstream.url);
    const upstreamReq = requestFn(base)({
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      method: req.method,
      path: `${base.pathname.replace(/\/$/, '')}${target.path}`,
      headers: forwardHeaders(req.headers, req.ip, req.protocol),
      timeout: o.timeoutMs,
      ...(o.ca ? { ca: o.ca } : {}),
    });
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      upstreamReq.on('response', resolve);
      upstreamReq.on('timeout', () => upstreamReq.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
      upstreamReq.on('error', reject);
      const body = req.body as NodeJS.ReadableStream | undefined;
      // pipeline, not pipe: a caller that aborts mid-body ends the upstream request too, and its error has a listener.
      if (body && typeof body.pipe === 'function') pipeline(body, upstreamReq, (err) => err && upstreamReq.destroy(err));
      else upstreamReq.end();
    }).catch((err: unknown) => {
      o.log.warn({ err, upstream: target.upstream.name }, 'upstream request failed');
      throw unavailable(target.upstream.name, err);
    });
    reply.code(answer.statusCode ?? 502);
    for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) reply.header(k, v);
    return reply.send(answer);
  };

  for (const u of o.upstreams) {
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `${u.prefix}/*`,
      config: { access: PUBLIC },
      schema: { hide: true },
      handler,
    });
  }
}

/**
 * WebSocket pass-through: an upgrade request under an upstream prefix is sent to the upstream with its headers,
 * and once the upstream switched protocols both sockets are piped to each other. Anything else is refused.
 */
export function attachWebSocketProxy(server: http.Server, o: ProxyOptions & { paths: readonly string[] }): { closeAll(): void } {
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own error listener from an upgraded socket: a caller resetting before the upstream answered
    // must not be an unheard 'error'.
    socket.on('error', (err) => o.log.debug({ err }, 'WebSocket caller socket error'));
    const pathname = (req.url ?? '').split('?')[0] ?? '';
    const target = o.paths.includes(pathname) ? route(o.upstreams, req.url ?? '') : undefined;
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const base = new URL(target.upstream.url);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'host') headers[k] = v;
    const upstreamReq = requestFn(base)({
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      method: 'GET',
      path: `${base.pathname.replace(/\/$/, '')}${target.path}`,
      headers,
      timeout: o.timeoutMs,
      ...(o.ca ? { ca: o.ca } : {}),
    });
    const fail = (status: number, text: string) => {
      if (!socket.destroyed) socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    upstreamReq.on('timeout', () => upstreamReq.destroy(new Error('upstream timeout')));
    upstreamReq.on('error', (err) => {
      o.log.warn({ err, upstream: target.upstream.name }, 'WebSocket upstream failed');
      fail(503, 'Service Unavailable');
    });
    upstreamReq.on('response', (res) => {
      fail(res.statusCode ?? 502, res.statusMessage ?? 'Bad Gateway');
      res.resume();
    });
    upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      upstreamReq.setTimeout(0);
      const lines = [`HTTP/1.1 101 ${res.statusMessage ?? 'Switching Protocols'}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      const end = () => {
        socket.destroy();
        upstreamSocket.destroy();
      };
      socket.on('error', end);
      upstreamSocket.on('error', end);
      socket.on('close', end);
      upstreamSocket.on('close', end);
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    upstreamReq.end();
  });
  return {
    closeAll() {
      for (const s of sockets) s.destroy();
    },
  };
}
