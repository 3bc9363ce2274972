/** Builds and starts the gateway's fastify server (plain HTTP, or TLS when a certificate and key are given). */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { EdgeErrors } from '../errors.js';
import { edgeApp, type EdgeAppOptions } from './app.js';

export interface HttpServerOptions extends EdgeAppOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly log: Logger;
}

function readTlsFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw EdgeErrors.EDGE_ERR_TLS_FILES.withCause(err, file, (err as Error).message);
  }
}

export async function startHttpServer(o: HttpServerOptions): Promise<{ app: FastifyInstance; port: number }> {
  const https = o.tls ? { cert: readTlsFile(o.tls.certFile), key: readTlsFile(o.tls.keyFile) } : null;
  const app = Fastify({
    loggerInstance: o.log,
    // Scrapes every few seconds would drown the log; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  await app.register(edgeApp, {
    metrics: o.metrics,
    state: o.state,
    health: o.health,
    status: o.status,
    alarms: o.alarms,
    config: o.config,
  });
  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await app.close();
    throw EdgeErrors.EDGE_ERR_LISTEN.withCause(err, 'HTTP', o.host, o.port, (err as Error).message);
  }
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : o.port };
}
