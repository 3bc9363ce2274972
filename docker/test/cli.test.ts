/** The `vitals` CLI as a person runs it: help, bad arguments, status of the running stack. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../src/config.js';

const bin = path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs');

async function vitals(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('vitals CLI', () => {
  it('lists its subcommands in --help', async () => {
    const r = await vitals('--help');
    expect(r.code).toBe(0);
    for (const c of ['stack', 'db', 'cloud', 'edge', 'sim']) expect(r.stdout).toContain(c);
  });

  it('exits non-zero with a clear message on an unknown service', async () => {
    const r = await vitals('cloud', 'no-such-service');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown service "no-such-service"/);
  });

  it('exits non-zero on a bad --port', async () => {
    const r = await vitals('edge', '--port', 'eighty');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/port/);
  });

  it('reports every part of the running stack and exits 0', async () => {
    const r = await vitals('stack', 'status');
    expect(r.stdout).toMatch(/^up\s+postgresql/m);
    expect(r.stdout).toMatch(/^up\s+kafka /m);
    expect(r.stdout).toMatch(/^up\s+debezium/m);
    expect(r.code).toBe(0);
  });

  it('exits non-zero when a part is down (Kafka Connect on a port where nothing listens)', async () => {
    const { stdout, code } = await promisify(execFile)(process.execPath, [bin, 'stack', 'status'], {
      cwd: REPO_ROOT,
      env: { ...process.env, KAFKA_CONNECT_URL: 'http://127.0.0.1:9' },
    }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; code: number }) => e,
    );
    expect(stdout).toMatch(/^DOWN\s+kafka-connect/m);
    expect(code).toBe(1);
  });

  it('validates the applied migrations against the files', async () => {
    const r = await vitals('db', 'validate');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
