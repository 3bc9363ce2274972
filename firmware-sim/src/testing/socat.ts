/**
 * A pseudo-terminal pair made by socat, for serial tests: bytes written to one end arrive at the other.
 * `pull()` kills socat (a cable pull: both ends vanish), `plug()` starts it again with the same link paths.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '@vitals/shared';

export interface PtyPair {
  /** Link path of one end (give it to the device). */
  readonly a: string;
  /** Link path of the other end (the receiver's). */
  readonly b: string;
  /** Kills socat: both ends go away, as when a cable is pulled. */
  pull(): Promise<void>;
  /**
   * Starts socat again on the same link paths. With `beforeDeviceEnd`, the device's end appears only after it
   * has run (e.g. after the receiver has opened its end: data sent before that would be flushed by its open).
   */
  plug(beforeDeviceEnd?: () => Promise<void>): Promise<void>;
  /** Kills socat and removes the folder. */
  close(): Promise<void>;
}

export async function createPtyPair(socatPath = '/usr/bin/socat'): Promise<PtyPair> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vitals-pty-'));
  const a = path.join(dir, 'device');
  const b = path.join(dir, 'receiver');
  let child: ChildProcess | undefined;

  const plug = async (beforeDeviceEnd?: () => Promise<void>): Promise<void> => {
    if (child) return;
    const deviceLink = beforeDeviceEnd ? `${a}.pending` : a;
    const c = spawn(socatPath, [`pty,raw,echo=0,link=${deviceLink}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    child = c;
    c.once('exit', () => {
      if (child === c) child = undefined;
    });
    await waitFor(() => existsSync(deviceLink) && existsSync(b), { timeoutMs: 5000, intervalMs: 10, what: 'socat pty links' });
    if (beforeDeviceEnd) {
      await beforeDeviceEnd();
      await rename(deviceLink, a);
    }
  };

  const pull = async (): Promise<void> => {
    const c = child;
    if (!c) return;
    child = undefined;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
    // socat killed cannot remove its links; left dangling, they would point at whatever pty next gets the same
    // /dev/pts number (often the new receiver end), so remove them: the ends are gone.
    await Promise.all([a, b, `${a}.pending`].map((p) => rm(p, { force: true })));
  };

  await plug();
  return {
    a,
    b,
    pull,
    plug,
    async close() {
      await pull();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
