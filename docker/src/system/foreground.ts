/**
 * What ties `vitals start` to the person who ran it, and its children to it.
 *
 * - The supervisor stops its services cleanly whatever ends it: Ctrl-C (SIGINT), a kill (SIGTERM), the terminal
 *   closing (SIGHUP), or its output breaking (EPIPE: `npm start | tee demo.log`, then Ctrl-C, ends `tee` first).
 *   Output written once the terminal is gone is dropped, never an error that ends the process.
 * - Each service it spawns has an IPC channel to it. The channel closes when the supervisor dies, even by
 *   SIGKILL, and the service then stops itself as on SIGTERM: no service outlives its supervisor.
 * - One supervisor per state folder: a lock file holds its pid, and a second one refuses to start, naming it.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { StackErrors } from '../errors.js';

export type StopCause = 'interrupted' | 'terminated' | 'hung up' | 'output closed';

const SIGNALS: ReadonlyArray<[NodeJS.Signals, StopCause]> = [
  ['SIGINT', 'interrupted'],
  ['SIGTERM', 'terminated'],
  ['SIGHUP', 'hung up'],
];

/** Calls `onStop` for every stop request: a signal, or stdout/stderr breaking (reported once). */
export function watchStopRequests(onStop: (cause: StopCause) => void): void {
  for (const [signal, cause] of SIGNALS) process.on(signal, () => onStop(cause));
  let lost = false;
  for (const stream of [process.stdout, process.stderr]) {
    // Replaces the CLI's default (exit at once on EPIPE), which would leave the services without their supervisor.
    stream.removeAllListeners('error');
    stream.on('error', () => {
      if (lost) return;
      lost = true;
      onStop('output closed');
    });
  }
}

/** Environment variable that tells a service it runs under `vitals start` (with an IPC channel to it). */
export const SUPERVISED_ENV = 'VITALS_SUPERVISED';

/**
 * In a service spawned by the supervisor: when the IPC channel to it closes (the supervisor exited or was
 * killed), stop as on SIGTERM, and exit for sure after `graceMs`. Does nothing in a process run by hand.
 */
export function stopWithSupervisor(env: Readonly<Record<string, string | undefined>>, graceMs = 20_000): boolean {
  if (env[SUPERVISED_ENV] !== '1') return false;
  const gone = () => {
    setTimeout(() => process.exit(1), graceMs).unref();
    process.kill(process.pid, 'SIGTERM');
    // Its output pipe is most likely gone with it: this line is for a log that outlived it, if any.
    process.stderr.write('vitals: the supervisor is gone; stopping\n', () => undefined);
  };
  if (!process.channel || !process.connected) {
    // It died while this process was still loading (the channel closed before anyone listened).
    setImmediate(gone);
    return true;
  }
  process.channel.unref();
  process.once('disconnect', gone);
  return true;
}

/** Whether a pid names a live `vitals start` (not a recycled pid of another program). */
function isVitalsStart(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('vitals.mjs') || a.endsWith('vitals')) && argv.includes('start');
  } catch {
    return true; // no /proc: trust the live pid
  }
}

export interface StartLock {
  release(): void;
}

/**
 * Takes the state folder's lock (`file` holds the owner's pid and start time). A live owner makes it throw
 * STACK_ERR_ALREADY_RUNNING naming the pid and how to stop it; a stale lock (its process is gone) is taken over.
 */
export function takeStartLock(file: string, now: Date = new Date()): StartLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: now.toISOString() }));
      closeSync(fd);
      return {
        release: () => {
          try {
            const owner = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
            if (owner.pid === process.pid) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: { pid?: number; startedAt?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
      } catch {
        // unreadable: stale
      }
      if (typeof owner.pid === 'number' && owner.pid !== process.pid && isVitalsStart(owner.pid)) {
        throw StackErrors.STACK_ERR_ALREADY_RUNNING(owner.pid, owner.startedAt ?? 'an unknown time', owner.pid);
      }
      unlinkSync(file);
    }
  }
  throw StackErrors.STACK_ERR_ALREADY_RUNNING('another process', 'just now', '<pid>');
}
