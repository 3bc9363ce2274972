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
    const child = spawn(process.execPath, [bin, ...spec.args], {
      cwd: REPO_ROOT,
      env: { ...baseEnv, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
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
    async stopAll(graceMs = 15_000) {
      stopping = true;
      const waits = [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      );
      await Promise.all(waits);
    },
  };
}
