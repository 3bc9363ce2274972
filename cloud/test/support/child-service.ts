/** Runs a service entry file in a child process (through tsx), waits for its ready line, kills it on demand. */
import { spawn, type ChildProcess } from 'node:child_process';
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
