/** Starting a gateway for a test: temporary data folder, ephemeral ports, quiet logs (EDGE_TEST_LOG=debug to see them). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { loadEdgeConfig, type EdgeConfig } from '../../src/config.js';
import { startGateway, type Gateway, type GatewayDeps } from '../../src/gateway.js';

export function tempDir(prefix = 'edge-test-'): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(dataDir: string, overrides: Partial<Record<keyof EdgeConfig, unknown>> = {}): EdgeConfig {
  return loadEdgeConfig(
    {},
    {
      dataDir,
      bindHost: '127.0.0.1',
      httpPort: 0,
      mqttPort: 0,
      mllpPort: 0,
      bufferMaxBytes: 256 * 1024 * 1024,
      diskReserve: 0,
      logLevel: process.env.EDGE_TEST_LOG ?? 'silent',
      ...overrides,
    },
  );
}

export async function startTestGateway(
  dataDir: string,
  overrides: Partial<Record<keyof EdgeConfig, unknown>> = {},
  deps: GatewayDeps = {},
): Promise<Gateway> {
  const config = testConfig(dataDir, overrides);
  return startGateway(config, { processMetrics: false, log: pino({ level: config.logLevel }), ...deps });
}

/** A second connection to the gateway's buffer, to look at what is committed. */
export function openBuffer(dataDir: string): Database.Database {
  const db = new Database(path.join(dataDir, 'buffer.db'), { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

export async function httpGet(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
}
