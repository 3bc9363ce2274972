/**
 * A Mosquitto of the test's own on an ephemeral port, with a password file and an ACL file, so a test can prove
 * that the broker itself refuses what a gateway's credentials may not do. Users can be replaced while it runs
 * (SIGHUP reloads the password file). Killed by the test that started it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { waitFor } from '@vitals/shared';
import { freePort } from '@vitals/stack/testing';

export interface TestMosquitto {
  readonly url: string;
  readonly port: number;
  /** Replaces the users (name -> password) and waits until the broker accepts `probeUser`. */
  setUsers(users: Record<string, string>, probeUser: string): Promise<void>;
  /** What the broker logged. */
  log(): string;
  stop(): Promise<void>;
}

export async function startMosquitto(o: { users: Record<string, string>; acl: string }): Promise<TestMosquitto> {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-mosquitto-'));
  // Mosquitto started as root drops to its own user, which must read these files.
  chmodSync(dir, 0o755);
  const passwd = path.join(dir, 'passwd');
  const writeUsers = async (users: Record<string, string>) => {
    const lines = Object.entries(users).map(([u, p]) => `${u}:${p}`);
    writeFileSync(passwd, `${lines.join('\n')}\n`, { mode: 0o644 });
    await promisify(execFile)('mosquitto_passwd', ['-U', passwd]);
    chmodSync(passwd, 0o644);
  };
  await writeUsers(o.users);
  writeFileSync(path.join(dir, 'acl'), o.acl, { mode: 0o644 });
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${path.join(dir, 'acl')}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  let output = '';
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `mqtt://127.0.0.1:${port}`;
  try {
    await waitFor(
      () =>
        new Promise<boolean>((resolve, reject) => {
          if (child.exitCode !== null) return reject(new Error(`mosquitto exited with ${child.exitCode}: ${output}`));
          const s = net.connect(port, '127.0.0.1');
          s.once('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.once('error', () => resolve(false));
        }),
      { timeoutMs: 10_000, intervalMs: 50, what: `mosquitto listening on ${port}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    log: () => output,
    async setUsers(users, probeUser) {
      await writeUsers(users);
      child.kill('SIGHUP');
      await waitFor(
        async () => {
          const c = await mqtt.connectAsync(url, {
            username: probeUser,
            password: users[probeUser],
            reconnectPeriod: 0,
            connectTimeout: 2000,
            protocolVersion: 4,
          });
          await c.endAsync(true);
          return true;
        },
        { timeoutMs: 10_000, intervalMs: 100, what: `mosquitto to accept ${probeUser} after reloading its users` },
      );
    },
    stop,
  };
}
