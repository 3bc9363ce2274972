/**
 * The gateway as its own process (`node docker/bin/vitals.mjs edge`, configured by environment), so a test
 * can kill it with SIGKILL mid-stream and start it again on the same data folder and ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docker/bin/vitals.mjs');

export interface ChildGateway {
  readonly pid: number;
  readonly ports: { http: number; mqtt: number; mllp: number };
  readonly exited: Promise<number | null>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChildGateway(env: Record<string, string>, timeoutMs = 30_000): Promise<ChildGateway> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'edge'], {
    env: { ...process.env, EDGE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ports = await new Promise<ChildGateway['ports']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in ${timeoutMs} ms: ${stderr.join('')}`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before starting: ${stderr.join('')}`));
    });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; ports?: ChildGateway['ports'] };
        if (entry.msg === 'gateway started' && entry.ports) {
          clearTimeout(timer);
          resolve(entry.ports);
        }
      } catch {
        // not a log line
      }
    });
  });
  return {
    pid: child.pid!,
    ports,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
