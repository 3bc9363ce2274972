/**
 * `vitals sim` as a person runs it: monitors against Mosquitto, the control API on an ephemeral port (status,
 * faults, rate, ledger counts), SIGTERM stops cleanly and the ledger file holds every send, settled.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MQTT_TOPICS, waitFor } from '@vitals/shared';
import { readLedgerFile, type LedgerCounts, type SimulationStatus } from '../src/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'docker', 'bin', 'vitals.mjs');

describe('vitals sim', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  let dir: string | undefined;
  let devices: string[] = [];

  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
    if (devices.length > 0) {
      // Clear the retained presence the monitors left on the shared broker.
      const c = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0 });
      for (const id of devices) await c.publishAsync(MQTT_TOPICS.deviceStatus(id), '', { qos: 1, retain: true });
      await c.endAsync();
    }
    devices = [];
  });

  it('runs monitors, takes faults and rate changes over its control API, and flushes the ledger on SIGTERM', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vitals-sim-cli-'));
    const ledgerFile = path.join(dir, 'ledger.jsonl');
    const prefix = `cli-${randomBytes(3).toString('hex')}-`;
    devices = [`${prefix}001`, `${prefix}002`];
    child = spawn(
      process.execPath,
      [
        BIN,
        'sim',
        '--devices',
        '2',
        '--mqtt-url',
        'mqtt://127.0.0.1:1883',
        '--rate',
        '10',
        '--port',
        '0',
        '--ledger',
        ledgerFile,
      ],
      {
        cwd: REPO,
        env: { ...process.env, SIM_DEVICE_PREFIX: prefix, SIM_SCENARIO: 'mixed', SIM_LOG_LEVEL: 'warn' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const api = await waitFor(() => /control API at (http:\/\/\S+)/.exec(stderr)?.[1], {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `the control API line (stderr so far: ${stderr})`,
    });
    const get = async <T>(p: string) => (await (await fetch(`${api}${p}`)).json()) as T;
    const post = async (p: string, body: unknown) => {
      const r = await fetch(`${api}${p}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };

    const status = await waitFor(
      async () => {
        const s = await get<SimulationStatus>('/status');
        return s.devices.every((d) => d.connected) && s.ledger.framesAcknowledged >= 6 ? s : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'connected monitors sending' },
    );
    expect(status.devices.map((d) => [d.id, d.transport, d.scenario])).toEqual([
      [`${prefix}001`, 'mqtt', 'stable'],
      [`${prefix}002`, 'mqtt', 'sepsis'],
    ]);

    expect(await post('/faults', { type: 'duplicate', devices: [`${prefix}001`] })).toMatchObject({ status: 202 });
    expect(await post('/faults', { type: 'malformed', kind: 'bad-json', devices: `${prefix}002` })).toMatchObject({
      status: 202,
    });
    expect(await post('/faults', { type: 'explode' })).toMatchObject({ status: 400, body: { code: 'SIM_ERR_INVALID_FAULT' } });
    expect(await post('/faults', { type: 'reboot', devices: ['nobody'] })).toMatchObject({
      status: 404,
      body: { code: 'SIM_ERR_UNKNOWN_DEVICE' },
    });
    expect(await post('/rate', { perDevice: 20 })).toMatchObject({ status: 200 });
    await waitFor(async () => (await get<SimulationStatus>('/status')).devices.every((d) => d.intervalMs === 50), {
      timeoutMs: 5000,
      intervalMs: 50,
      what: 'the new rate',
    });
    await waitFor(async () => (await get<LedgerCounts>('/ledger')).byKind.malformed === 1, {
      timeoutMs: 5000,
      intervalMs: 50,
      what: 'the malformed send in the counts',
    });

    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ledger: LedgerCounts; ledgerFile: string };
    expect(summary.ledgerFile).toBe(ledgerFile);
    expect(summary.ledger.byStatus.pending).toBe(0);
    const ledger = await readLedgerFile(ledgerFile);
    expect(ledger.entries()).toHaveLength(summary.ledger.entries);
    expect(ledger.counts().byKind).toMatchObject({ duplicate: 1, malformed: 1 });
    expect(ledger.malformed()[0]).toMatchObject({ deviceId: `${prefix}002`, malformed: 'bad-json' });
    expect(ledger.acknowledged().length).toBe(summary.ledger.framesAcknowledged);
  });

  it('refuses bad settings with every problem listed and a non-zero exit', async () => {
    const r = spawn(process.execPath, [BIN, 'sim', '--transport', 'pigeon', '--rate', 'fast'], {
      cwd: REPO,
      env: { ...process.env, SIM_SCENARIO: 'coma' },
    });
    let stderr = '';
    r.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => r.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--transport "pigeon"/);
    expect(stderr).toMatch(/--rate "fast"/);
    expect(stderr).toMatch(/SIM_SCENARIO/);
  });
});
