/**
 * Runs the platform's services as child processes of one foreground command (`vitals start`), prefixing
 * their output with their name, and stops them all (SIGTERM, then SIGKILL after a grace) on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '../config.js';

export interface ServiceSpec {
  readonly name: string;
  /** Arguments to the `vitals` CLI, e.g. ['cloud', 'all']. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface Supervisor {
  readonly children: ReadonlyMap<string, ChildProcess>;
  stopAll(graceMs?: number): Promise<void>;
  /** Resolves when any child exits on its own (with its name and code). */
  readonly firstExit: Promise<{ name: string; code: number | null }>;
}

export function superviseServices(
  specs: readonly ServiceSpec[],
  baseEnv: Readonly<Record<string, string | undefined>>,
  out: NodeJS.WritableStream = process.stdout,
): Supervisor {
  const bin = path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs');
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let onExit: (v: { name: string; code: number | null }) => void = () => undefined;
  const firstExit = new Promise<{ name: string; code: number | null }>((r) => (onExit = r));
  const width = Math.max(...specs.map((s) => s.name.length), 4);
  for (const spec of specs) {
    // Each child in its own process group: a Ctrl-C at the terminal reaches only this supervisor, which then
    // stops every child once (a second signal would make a child skip its clean shutdown).
    const child = spawn(process.execPath, [bin, ...spec.args], {
      cwd: REPO_ROOT,
      env: { ...baseEnv, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.set(spec.name, child);
    const prefix = `${spec.name.padEnd(width)} | `;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
    }
    child.once('exit', (code) => {
      children.delete(spec.name);
      if (!stopping) onExit({ name: spec.name, code });
    });
  }
  return {
    children,
    firstExit,
    /** Stops the children in reverse start order (simulators, then gateways, then the cloud), each cleanly. */
    async stopAll(graceMs = 15_000) {
      stopping = true;
      for (const spec of [...specs].reverse()) {
        const child = children.get(spec.name);
        if (!child || child.exitCode !== null) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }
    },
  };
}
