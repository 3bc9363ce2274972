/**
 * A real configuration service for integration tests, beside a real storage service on the same temporary
 * database (so reference data, assignments included, changes through the storage API), with helpers to call the
 * config API, read a gateway's status, and start real edge gateways (`@vitals/edge`) that sync with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RouteOptions } from 'fastify';
import { pino } from 'pino';
import { waitFor } from '@vitals/shared';
import { loadEdgeConfig, startGateway, type EdgeConfig, type Gateway } from '@vitals/edge';
import { loadConfigServiceConfig } from '../../src/config-service/config.js';
import { startConfigService, type RunningConfigService } from '../../src/config-service/server.js';
import { createLogger } from '../../src/logging.js';
import {
  JWT_SECRET,
  startStorageFixture,
  type CallOptions,
  type CallResult,
  type StorageFixture,
  type Tenant,
} from '../support/storage-fixture.js';

export type { Tenant, CallResult };

export interface TestGateway {
  readonly gateway: Gateway;
  readonly dataDir: string;
  /** Stops it and keeps its data folder (for a restart). */
  stop(): Promise<void>;
}

export interface ConfigWorld {
  readonly storage: StorageFixture;
  /** The running configuration service (replaced by `restartService`). */
  readonly service: RunningConfigService;
  /** Closes the configuration service and starts a new one on the same database with this extra environment. */
  restartService(env?: Record<string, string>): Promise<RunningConfigService>;
  /** Calls the configuration service (platform admin unless told). */
  call(method: string, path: string, o?: CallOptions): Promise<CallResult>;
  tenant(label?: string): Promise<Tenant>;
  status(gatewayId: string): Promise<Record<string, unknown>>;
  waitStatus(gatewayId: string, ok: (s: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  /** Waits until the tenant's gateway document shows its device assignment (tenant creation done); its version. */
  settled(t: Pick<Tenant, 'gatewayId' | 'deviceId'>): Promise<number>;
  /** A real edge gateway syncing with this service (or `configMqttUrl` in overrides). */
  startGateway(
    t: Pick<Tenant, 'gatewayId' | 'gatewayToken'>,
    o?: { dataDir?: string; overrides?: Partial<Record<keyof EdgeConfig, unknown>> },
  ): Promise<TestGateway>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Extra environment of the configuration service. */
  readonly env?: Record<string, string>;
  /** Receives every route the configuration service registers. */
  readonly onRoute?: (r: RouteOptions) => void;
}

export async function startConfigWorld(o: WorldOptions = {}): Promise<ConfigWorld> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const storage = await startStorageFixture();
    cleanups.push(() => storage.close());
    const startService = (env: Record<string, string> | undefined) => {
      const config = loadConfigServiceConfig({
        DATABASE_URL: storage.databaseUrl,
        CONFIG_PORT: '0',
        CONFIG_HOST: '127.0.0.1',
        CONFIG_MQTT_PORT: '0',
        CONFIG_DEBOUNCE: '20ms',
        CLOUD_JWT_SECRET: JWT_SECRET,
        LOG_LEVEL: process.env.CONFIG_TEST_LOG ?? 'silent',
        ...env,
      });
      return startConfigService(config, {
        log: createLogger({ level: config.logLevel, name: 'config-test' }),
        ...(o.onRoute ? { onRoute: o.onRoute } : {}),
      });
    };
    let service = await startService(o.env);
    cleanups.push(() => service.close());
    const dirs: string[] = [];
    cleanups.push(async () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    const call = async (method: string, p: string, c: CallOptions = {}): Promise<CallResult> => {
      const headers: Record<string, string> = { ...c.headers };
      const token = c.token === undefined ? storage.adminToken : c.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (c.body !== undefined && method !== 'GET') {
        body = JSON.stringify(c.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${service.url}${p}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: res.status, headers: res.headers, body: parsed };
    };

    const status = async (gatewayId: string) => {
      const r = await call('GET', `/v1/gateways/${gatewayId}/config-status`);
      if (r.status !== 200) throw new Error(`config-status answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    };

    const gateways: TestGateway[] = [];
    cleanups.push(async () => {
      for (const g of gateways) await g.stop();
    });

    return {
      storage,
      get service() {
        return service;
      },
      async restartService(env) {
        await service.close();
        service = await startService(env);
        return service;
      },
      call,
      tenant: (label) => storage.tenant(label),
      status,
      waitStatus: (gatewayId, ok, what) =>
        waitFor(
          async () => {
            const s = await status(gatewayId);
            return ok(s) ? s : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 100, what },
        ),
      settled: (t) =>
        waitFor(
          async () => {
            const r = await call('GET', `/v1/gateways/${t.gatewayId}/config`);
            const doc = r.body as { version?: number; beds?: Array<{ deviceIds: string[] }> };
            return r.status === 200 && doc.beds?.some((b) => b.deviceIds.includes(t.deviceId)) ? doc.version : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 50, what: `the document of ${t.gatewayId} with its assignment` },
        ),
      async startGateway(t, g = {}) {
        const dataDir = g.dataDir ?? mkdtempSync(path.join(tmpdir(), 'config-gw-'));
        if (!g.dataDir) dirs.push(dataDir);
        const edgeConfig = loadEdgeConfig(
          {},
          {
            gatewayId: t.gatewayId,
            gatewayToken: t.gatewayToken,
            configMqttUrl: service.mqttUrl,
            dataDir,
            bindHost: '127.0.0.1',
            httpPort: 0,
            mqttPort: 0,
            mllpPort: null,
            bufferMaxBytes: 64 * 1024 * 1024,
            diskReserve: 0,
            logLevel: process.env.EDGE_TEST_LOG ?? 'silent',
            ...g.overrides,
          },
        );
        const gateway = await startGateway(edgeConfig, { processMetrics: false, log: pino({ level: edgeConfig.logLevel }) });
        let stopped: Promise<void> | undefined;
        const tg: TestGateway = { gateway, dataDir, stop: () => (stopped ??= gateway.close()) };
        gateways.push(tg);
        return tg;
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Version numbers issued by a write, from its `Config-Versions` header. */
export function issuedVersions(r: CallResult): Record<string, number> {
  const h = r.headers.get('config-versions');
  if (!h) return {};
  return Object.fromEntries(
    h.split(',').map((p) => {
      const [gw, v] = p.trim().split('=');
      return [gw!, Number(v)];
    }),
  );
}
