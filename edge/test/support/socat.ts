/**
 * A serial cable for tests: a socat pseudo-terminal pair with links in a temporary folder. Killing socat is a
 * cable pull; starting it again on the same links is the cable plugged back in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '@vitals/shared';

export interface PtyPair {
  /** The gateway's end. */
  readonly gatewayEnd: string;
  /** The monitor's end. */
  readonly deviceEnd: string;
  pull(): Promise<void>;
  plugIn(): Promise<void>;
  close(): Promise<void>;
}

export async function ptyPair(dir: string): Promise<PtyPair> {
  const gatewayEnd = path.join(dir, 'gateway-tty');
  const deviceEnd = path.join(dir, 'device-tty');
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('socat', [`pty,raw,echo=0,link=${gatewayEnd}`, `pty,raw,echo=0,link=${deviceEnd}`], { stdio: 'ignore' });
    await waitFor(() => existsSync(gatewayEnd) && existsSync(deviceEnd), {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'socat links',
    });
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };
  await start();
  return { gatewayEnd, deviceEnd, pull: stop, plugIn: start, close: stop };
}
