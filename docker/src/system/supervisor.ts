/**
 * Runs the platform's services as child processes of one foreground command (`vitals start`). Starts them in
 * order, each only once the one before answers on its health URLs (so a gateway never starts before the cloud
 * it talks to, nor a simulator before its gateway); writes each one's whole output to its log file and shows
 * on the terminal what `consoleLine` lets through, prefixed with its name; and stops them all (SIGTERM, then
 * SIGKILL after a grace) in reverse order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '../config.js';
import { StackErrors } from '../errors.js';
import { consoleLine } from './console-line.js';
import { SUPERVISED_ENV } from './foreground.js';

export interface ServiceSpec {
  readonly name: string;
  /** Arguments to the `vitals` CLI, e.g. ['cloud', 'all']. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** URLs that answer 2xx once the service is ready; the next service starts only then. */
  readonly readyUrls?: readonly string[];
}

export interface SupervisorOptions {
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Each service's output goes to `<logDir>/<name>.log` (appended). */
  readonly logDir: string;
  /** Show every output line on the terminal, not only warnings, errors and plain text. */
  readonly verbose?: boolean;
  readonly out?: NodeJS.WritableStream;
  readonly readyTimeoutMs?: number;
  /** Aborting it while services are starting stops those already started and rejects. */
  readonly signal?: AbortSignal;
  /** Told of every child as it is spawned (for a forced stop that cannot wait for the supervisor). */
  readonly onChild?: (child: ChildProcess) => void;
}

/** Kills a child's whole process group at once (SIGKILL), for a forced stop. */
export function killNow(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export interface Supervisor {
  readonly children: ReadonlyMap<string, ChildProcess>;
  stopAll(graceMs?: number): Promise<void>;
  /** Resolves when any child exits on its own (with its name and code). */
  readonly firstExit: Promise<{ name: string; code: number | null }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts the services in order; rejects (having stopped those it started) if one exits or is not ready in time. */
export async function startServices(specs: readonly ServiceSpec[], o: SupervisorOptions): Promise<Supervisor> {
  const bin = path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs');
  const out = o.out ?? process.stdout;
  const readyTimeoutMs = o.readyTimeoutMs ?? 120_000;
  mkdirSync(o.logDir, { recursive: true });
  const children = new Map<string, ChildProcess>();
  const logs: WriteStream[] = [];
  let stopping = false;
  let onExit: (v: { name: string; code: number | null }) => void = () => undefined;
  const firstExit = new Promise<{ name: string; code: number | null }>((r) => (onExit = r));
  const width = Math.max(...specs.map((s) => s.name.length), 4);
  const started: ServiceSpec[] = [];

  const stopAll = async (graceMs = 15_000) => {
    stopping = true;
    for (const spec of [...started].reverse()) {
      const child = children.get(spec.name);
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    await Promise.all(logs.map((l) => new Promise((r) => l.end(r))));
  };

  for (const spec of specs) {
    if (o.signal?.aborted) {
      await stopAll();
      throw StackErrors.STACK_ERR_INTERRUPTED('starting the services');
    }
    const log = createWriteStream(path.join(o.logDir, `${spec.name}.log`), { flags: 'a' });
    logs.push(log);
    // Each child in its own process group: a Ctrl-C at the terminal reaches only this supervisor, which then
    // stops every child once (a second signal would make a child skip its clean shutdown). The IPC channel
    // closes when this process dies, however it dies, and the child then stops itself (foreground.ts).
    const child = spawn(process.execPath, [bin, ...spec.args], {
      cwd: REPO_ROOT,
      env: { ...o.baseEnv, ...spec.env, [SUPERVISED_ENV]: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    children.set(spec.name, child);
    o.onChild?.(child);
    started.push(spec);
    const prefix = `${spec.name.padEnd(width)} | `;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        const shown = consoleLine(line, o.verbose ?? false);
        if (shown !== null) out.write(`${prefix}${shown}\n`);
      });
    }
    let exited = false;
    child.once('exit', (code) => {
      exited = true;
      children.delete(spec.name);
      if (!stopping) onExit({ name: spec.name, code });
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (const url of spec.readyUrls ?? []) {
      while (!(await answers(url))) {
        if (o.signal?.aborted) break;
        if (exited || Date.now() > deadline) {
          await stopAll();
          const why = exited ? 'it exited' : `${url} did not answer within ${readyTimeoutMs / 1000} s`;
          throw StackErrors.STACK_ERR_PROCESS_START(spec.name, why, path.join(o.logDir, `${spec.name}.log`));
        }
        await sleep(250);
      }
    }
  }
  return { children, firstExit, stopAll };
}
