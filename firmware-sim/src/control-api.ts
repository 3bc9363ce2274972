/**
 * A small HTTP control API for a running simulation (node:http, JSON):
 *   GET  /healthz           -> { ok: true }
 *   GET  /status            -> simulation state, every device, ledger counts
 *   GET  /ledger            -> ledger counts
 *   POST /faults            { type, ...fault fields, devices?: [ids] } -> 202 { fault, devices }
 *   POST /rate              { perDevice } | { total } -> 200 { rate }
 * Errors answer with the error's HTTP status and { code, message }.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isVitalsError } from '@vitals/shared';
import { SimErrors } from './errors.js';
import { parseFault } from './faults.js';
import type { RateTarget, Simulation } from './simulation.js';

export interface ControlApi {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(SimErrors.SIM_ERR_CONTROL_REQUEST(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(SimErrors.SIM_ERR_CONTROL_REQUEST('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function parseDevices(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  if (typeof value === 'string') return [value];
  throw SimErrors.SIM_ERR_CONTROL_REQUEST('devices must be a device id or a list of them');
}

function parseRate(body: unknown): RateTarget {
  const o = (body ?? {}) as Record<string, unknown>;
  if (typeof o.perDevice === 'number') return { perDevice: o.perDevice };
  if (typeof o.total === 'number') return { total: o.total };
  throw SimErrors.SIM_ERR_CONTROL_REQUEST('expected { "perDevice": <frames/s> } or { "total": <frames/s> }');
}

export async function startControlApi(sim: Simulation, opts: { host: string; port: number; log: Logger }): Promise<ControlApi> {
  const handle = async (req: http.IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = `${req.method ?? 'GET'} ${path}`;
    switch (route) {
      case 'GET /healthz':
        return { status: 200, body: { ok: true } };
      case 'GET /status':
        return { status: 200, body: sim.status() };
      case 'GET /ledger':
        return { status: 200, body: sim.ledger.counts() };
      case 'POST /faults': {
        const body = (await readJson(req)) as Record<string, unknown>;
        const { devices: rawDevices, ...rest } = body ?? {};
        const fault = parseFault(rest);
        const devices = parseDevices(rawDevices);
        sim.fault(fault, devices);
        return { status: 202, body: { fault, devices: devices ?? sim.deviceIds } };
      }
      case 'POST /rate': {
        const rate = parseRate(await readJson(req));
        sim.setRate(rate);
        return { status: 200, body: { rate } };
      }
      default:
        return { status: 404, body: { code: 'SIM_ERR_CONTROL_REQUEST', message: `no route ${route}` } };
    }
  };

  const server = http.createServer((req, res) => {
    handle(req).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (err: unknown) => {
        const status = isVitalsError(err) ? err.statusCode : 500;
        if (status >= 500) opts.log.error({ err }, 'control request failed');
        const e = err as { code?: string; message?: string };
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: e.code ?? 'INTERNAL', message: e.message ?? String(err) }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
