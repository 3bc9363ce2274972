/** Runs a service entry file in a child process (through tsx), waits for its ready line, kills it on demand. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ChildService {
  readonly child: ChildProcess;
  readonly ready: Promise<Record<string, unknown>>;
  readonly output: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startChild(entry: string, env: Record<string, string>, readyEvent: string): ChildService {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, entry)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream! }).on('line', (line) => {
        output.push(line);
        if (output.length > 5000) output.shift();
        if (line.includes(`"event":"${readyEvent}"`)) resolve(JSON.parse(line) as Record<string, unknown>);
      });
    }
    child.once('exit', (code) =>
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output.slice(-20).join('\n')}`)),
    );
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    output,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}

/** A cloud service run by the real CLI (`vitals cloud <service> --port 0`) in its own process. */
export interface CliService extends ChildService {
  /** `http://127.0.0.1:<port>` once it listens. */
  readonly url: Promise<string>;
  /** The process's resident set size now, in MiB (from /proc), or undefined once it has exited. */
  rssMiB(): number | undefined;
  /** Whether the process is still running. */
  alive(): boolean;
}

export function startCliService(service: string, env: Record<string, string>): CliService {
  const child = spawn(process.execPath, [path.join(REPO, 'docker', 'bin', 'vitals.mjs'), 'cloud', service, '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream! }).on('line', (line) => {
        output.push(line);
        if (output.length > 5000) output.shift();
        const m = /cloud \S+ listening on (https?:\/\/\S+)/.exec(line);
        if (m) resolve(m[1]!);
      });
    }
    child.once('exit', (code, signal) =>
      reject(new Error(`${service} exited (${code ?? signal}) before it listened:\n${output.slice(-20).join('\n')}`)),
    );
  });
  url.catch(() => undefined);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    url,
    ready: url.then((u) => ({ url: u })),
    output,
    alive,
    rssMiB() {
      if (!alive() || child.pid === undefined) return undefined;
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
      } catch {
        return undefined;
      }
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise<void>((resolve) => {
        if (!alive()) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
