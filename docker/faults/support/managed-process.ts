/**
 * A service of the system under fault injection, run as its own process through the `vitals` CLI (or an entry
 * file through tsx), so it can be killed with SIGKILL like a crash and started again on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { waitFor } from '@vitals/shared';
import { REPO_ROOT } from '../../src/config.js';

export interface ManagedProcess {
  readonly name: string;
  readonly running: boolean;
  /** Starts the process and waits until `ready()` holds. */
  start(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait: a clean shutdown. */
  stop(): Promise<void>;
  /** The last lines it printed (for a failure message). */
  tail(lines?: number): string;
}

export interface ProcessSpec {
  readonly name: string;
  /** Arguments to `vitals`, or `{ entry }` for a TypeScript entry file run with tsx. */
  readonly command: readonly string[] | { readonly entry: string };
  readonly env: Readonly<Record<string, string>>;
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
}

export function managedProcess(spec: ProcessSpec, baseEnv: Readonly<Record<string, string | undefined>>): ManagedProcess {
  let child: ChildProcess | undefined;
  const output: string[] = [];
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const waitExit = (c: ChildProcess) =>
    new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  return {
    name: spec.name,
    get running() {
      return !exited();
    },
    async start() {
      if (!exited()) return;
      const args = Array.isArray(spec.command)
        ? [path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs'), ...spec.command]
        : ['--import', 'tsx', path.join(REPO_ROOT, (spec.command as { entry: string }).entry)];
      const c = spawn(process.execPath, args, {
        cwd: REPO_ROOT,
        env: { ...baseEnv, ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      for (const stream of [c.stdout, c.stderr]) {
        readline.createInterface({ input: stream! }).on('line', (line) => {
          output.push(line);
          if (output.length > 400) output.shift();
        });
      }
      await waitFor(
        async () => {
          if (exited())
            throw new Error(`${spec.name} exited with ${c.exitCode ?? c.signalCode}:\n${output.slice(-20).join('\n')}`);
          return spec.ready().catch(() => false);
        },
        { timeoutMs: spec.readyTimeoutMs ?? 120_000, intervalMs: 200, what: `${spec.name} to be ready` },
      );
    },
    async kill() {
      if (exited()) return;
      const c = child!;
      c.kill('SIGKILL');
      await waitExit(c);
    },
    async stop() {
      if (exited()) return;
      const c = child!;
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      c.kill('SIGTERM');
      await waitExit(c);
      clearTimeout(timer);
    },
    tail(lines = 30) {
      return output.slice(-lines).join('\n');
    },
  };
}

/** True when `url` answers 200 (a health or readiness endpoint). */
export async function answers200(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === 200;
}
