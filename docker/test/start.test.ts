/**
 * `vitals start` (the README's first command) as a newcomer runs it, on the running stack: it starts the cloud,
 * a gateway and a simulator per demo ward, prints the URLs, and data flows from the simulated monitors through
 * the gateways, storage, Debezium-fed enricher and analytics to the dashboard's API; Ctrl-C stops every process
 * it started and frees every port. A second demo hospital (`--instance`) on moved ports (`--port-offset`) keeps
 * it apart from a developer's own `npm start`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { waitFor } from '@vitals/shared';
import { testStackConfig } from '../src/testing/index.js';
import { allPorts, systemPorts } from '../src/system/system-ports.js';
import type { DemoCredentials } from '../src/system/demo-seed.js';
import { allFree, startSystem, type StartedSystem } from './support/start-system.js';

const config = testStackConfig();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let system: StartedSystem;
let child: StartedSystem['child'];
let exit: Promise<number | null>;
let offset: number;
let stateDir: string;
const output = () => system.output();

beforeAll(async () => {
  system = await startSystem({ summaryEvery: 3 });
  ({ child, exit, offset, stateDir } = system);
}, 300_000);

afterAll(async () => {
  await system?.cleanup();
}, 90_000);

describe('vitals start', () => {
  it('prints the moved URLs and the demo logins, and keeps info logs off the terminal', () => {
    const p = systemPorts(2, offset);
    expect(output()).toContain(`http://127.0.0.1:${p.wards[0]!.http}/`);
    expect(output()).toContain(`http://127.0.0.1:${p.wards[1]!.http}/`);
    expect(output()).toContain(`http://127.0.0.1:${p.web}/`);
    expect(output()).toMatch(/customer admin\s+vk_/);
    expect(output()).not.toContain('"level":30');
  });

  it('shows data flowing from the simulated monitors to the dashboard API, and a summary per ward', async () => {
    const p = systemPorts(2, offset);
    const demo = JSON.parse(await readFile(path.join(stateDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
    const db = new pg.Client({ connectionString: config.databaseUrl });
    await db.connect();
    const icu = (
      await db.query<{ id: string }>(
        `SELECT d.id FROM departments d JOIN customers c ON c.id = d.customer_id WHERE c.id = $1 AND d.code = 'ICU'`,
        [demo.customerId],
      )
    ).rows[0]!.id;
    await db.end();
    const since = Date.now();
    // Through the web service's proxy, as the dashboard reads it: windows of this run's readings, every bed.
    const overview = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${p.web}/api/analytics/v1/analytics/departments/${icu}/overview`, {
          headers: { authorization: `Bearer ${demo.keys.clinician}` },
        });
        if (!res.ok) throw new Error(`overview answered ${res.status}`);
        const body = (await res.json()) as {
          patients: Array<{ metrics: Record<string, { measuredAt: string; count: number }> }>;
        };
        const fresh = body.patients.filter((pt) =>
          Object.values(pt.metrics).some((m) => m.count > 0 && Date.parse(m.measuredAt) >= since - 60_000),
        );
        return fresh.length === 8 ? body : undefined;
      },
      { what: 'windows of the demo ICU on the dashboard API', timeoutMs: 180_000, intervalMs: 500 },
    );
    expect(overview.patients).toHaveLength(8);
    const status = (await (await fetch(`http://127.0.0.1:${p.wards[0]!.http}/api/status`)).json()) as {
      devices: { online: number };
    };
    expect(status.devices.online).toBe(8);
    await waitFor(() => /summary\s+\| ICU: 8\/8 devices online[^;]*, 8 patients live on the dashboard/.test(output()), {
      what: 'a summary line',
      timeoutMs: 30_000,
    });
  }, 240_000);

  it('stops every process it started on Ctrl-C, also when pressed twice, freeing every port', async () => {
    child.kill('SIGINT');
    // An impatient second press, while the clean stop is under way, must not kill the supervisor and leave the
    // services behind. Pressed as soon as the first one shows (a fixed pause could outlast a fast stop).
    await waitFor(() => output().includes('interrupted: stopping'), {
      what: 'the first Ctrl-C',
      timeoutMs: 10_000,
      intervalMs: 5,
    });
    child.kill('SIGINT');
    const code = await Promise.race([exit, sleep(90_000).then(() => 'timeout' as const)]);
    expect(code).toBe(0);
    expect(output()).toContain('still stopping the services cleanly');
    expect(output()).toContain('vitals: stopped');
    await waitFor(() => allFree(allPorts(systemPorts(2, offset))), { what: 'every port free', timeoutMs: 20_000 });
  }, 120_000);
});
