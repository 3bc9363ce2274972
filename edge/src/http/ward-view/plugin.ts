/**
 * The nurses' station, served by the gateway itself so it works with the hospital's uplink down and no internet:
 * `GET /` (the page), `/ward/app.<hash>.js|css` (built in memory at start-up), `GET /api/ward` (snapshot),
 * and `GET /api/ward/events` (Server-Sent Events: the snapshot, then every change). The page acknowledges alarms
 * through the local alarms' own route (`POST /api/alarms/:id/ack`, logged there).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { systemClock, type Clock } from '@vitals/shared';
import { readTrendFromBuffer } from '../../buffer/trend-query.js';
import type { LocalState } from '../../local-state.js';
import type { EdgeStatus } from '../../status.js';
import { bundlePage, type PageBundle } from '@vitals/shared/page-bundle';
import { PAGE_HEADERS, pageHtml, unavailableHtml } from './page.js';
import { WardSnapshotSchema, type WardEvents } from './schemas.js';
import { WardFeed } from './ward-feed.js';

export const WARD_PAGE_ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/src/main.tsx');

export interface WardViewOptions {
  readonly state: LocalState;
  readonly status: () => Promise<EdgeStatus>;
  readonly clock?: Clock;
  /** A stream whose client has this much unsent is dropped (the page reconnects and starts from a snapshot). */
  readonly maxBufferedBytes?: number;
}

const HEARTBEAT_MS = 15_000;

export const wardViewRoutes: FastifyPluginAsync<WardViewOptions> = async (app, opts) => {
  const log = app.log.child({ unit: 'ward-view' });
  const clock = opts.clock ?? systemClock;
  const feed = new WardFeed({ state: opts.state, status: opts.status, log, clock });
  const streams = new Set<{ end(): void }>();
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;

  let bundleError: string | undefined;
  const bundle: Promise<PageBundle | undefined> = bundlePage(WARD_PAGE_ENTRY).catch((err: unknown) => {
    bundleError = (err as Error).message.split('\n')[0] ?? 'build failed';
    log.error({ err }, "the nurses' station page could not be built; the gateway runs on without it");
    return undefined;
  });

  app.addHook('onReady', async () => {
    const { buffer } = await opts.status();
    feed.start((q) => readTrendFromBuffer(buffer.dataDir, q));
  });
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });
  app.addHook('onClose', async () => {
    feed.close();
    await bundle;
  });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const b = await bundle;
    reply.headers(PAGE_HEADERS).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    if (!b) return reply.code(503).send(unavailableHtml(bundleError ?? 'unknown'));
    const { gatewayId } = await opts.status();
    return reply.send(pageHtml({ hash: b.hash, title: `Nurses' station · ${gatewayId}` }));
  });

  app.get('/ward/:file', { schema: { hide: true } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    const b = await bundle;
    const m = /^app\.([0-9a-f]+)\.(js|css)$/.exec(file);
    if (!b || !m || m[1] !== b.hash) return reply.code(404).send({ error: 'not found' });
    return reply
      .headers(PAGE_HEADERS)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(m[2] === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      .send(m[2] === 'js' ? b.js : b.css);
  });

  app.get('/api/ward', { schema: { response: { 200: WardSnapshotSchema } } }, async () => feed.snapshot());

  app.get('/api/ward/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let unsubscribe: (() => void) | undefined;
    let ended = false;
    const heartbeat = clock.setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const stream = {
      end: () => {
        if (ended) return;
        ended = true;
        streams.delete(stream);
        unsubscribe?.();
        clock.clearInterval(heartbeat);
        res.end();
      },
    };
    streams.add(stream);
    const send = <K extends keyof WardEvents>(event: K, data: WardEvents[K]) => {
      if (ended) return;
      if (res.writableLength > maxBuffered) {
        log.warn({ buffered: res.writableLength }, 'dropping a ward view stream that does not keep up');
        stream.end();
        return;
      }
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    req.raw.on('close', () => stream.end());
    feed.subscribe(send).then(
      (off) => {
        if (ended) off();
        else unsubscribe = off;
      },
      (err: unknown) => {
        log.error({ err }, 'could not start a ward view stream');
        stream.end();
      },
    );
  });
};
