/**
 * `vitals start` leaves nothing behind however it ends (issue 15): SIGTERM, SIGHUP (the terminal closed), a
 * broken output pipe (`npm start | tee log`, then Ctrl-C ends tee first) and SIGKILL of the supervisor itself.
 * After each, none of the processes it spawned is alive and every port of the system is free. A second
 * `vitals start` on the same state folder refuses before it starts anything, naming the one that runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@vitals/shared';
import { REPO_ROOT } from '../src/config.js';
import { allFree, childPids, isAlive, startSystem, type StartedSystem } from './support/start-system.js';

let system: StartedSystem | undefined;

afterEach(async () => {
  await system?.cleanup();
  system = undefined;
}, 90_000);

async function started(): Promise<{ s: StartedSystem; services: number[] }> {
  system = await startSystem({ summaryEvery: 1 });
  const services = childPids(system.child.pid!);
  // The cloud, a gateway and a simulator per ward.
  expect(services.length).toBeGreaterThanOrEqual(5);
  return { s: system, services };
}

async function expectNothingLeft(s: StartedSystem, services: readonly number[]): Promise<void> {
  await waitFor(() => services.every((pid) => !isAlive(pid)), {
    what: `every service process gone (alive: ${services.filter(isAlive).join(', ')})`,
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await waitFor(() => allFree(s.ports), { what: 'every port of the system free', timeoutMs: 30_000, intervalMs: 250 });
}

describe('vitals start ends cleanly', { timeout: 300_000 }, () => {
  it('on SIGTERM, and a second start on the same state folder refuses first, naming it', async () => {
    const { s, services } = await started();
    const second = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs'), 'start', '--instance', s.tag, '--port-offset', String(s.offset)],
      { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let said = '';
    second.stderr!.on('data', (d: Buffer) => (said += d.toString()));
    second.stdout!.on('data', (d: Buffer) => (said += d.toString()));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(said).toContain('STACK_ERR_ALREADY_RUNNING');
    expect(said).toContain(`process ${s.child.pid}`);
    expect(said).not.toContain('demo hospital ready');
    // The refusal took nothing from the running one.
    expect(services.every(isAlive)).toBe(true);

    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.output()).toContain('terminated: stopping');
    await expectNothingLeft(s, services);
  });

  it('on SIGHUP (its terminal closed)', async () => {
    const { s, services } = await started();
    s.child.kill('SIGHUP');
    expect(await s.exit).toBe(0);
    expect(s.output()).toContain('hung up: stopping');
    await expectNothingLeft(s, services);
  });

  it('when its output pipe breaks (EPIPE)', async () => {
    const { s, services } = await started();
    // Like `tee` ending: the read end of its stdout closes; its next summary line meets EPIPE.
    s.child.stdout!.destroy();
    expect(await s.exit).toBe(0);
    expect(s.output()).toContain('output closed: stopping');
    await expectNothingLeft(s, services);
  });

  it('when the supervisor itself is killed with SIGKILL: every service stops by itself', async () => {
    const { s, services } = await started();
    s.child.kill('SIGKILL');
    await s.exit;
    await expectNothingLeft(s, services);
  });
});
