/**
 * `vitals start` run as a newcomer runs it, for the tests of the whole system: on ports moved to a free offset,
 * with a demo hospital of its own (`--instance`), its output collected, and what it spawned found in /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from '@vitals/shared';
import { REPO_ROOT } from '../../src/config.js';
import { stackPaths } from '../../src/stack/paths.js';
import { allPorts, systemPorts } from '../../src/system/system-ports.js';
import { testStackConfig, uniqueSuffix } from '../../src/testing/index.js';

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

export async function allFree(ports: readonly number[]): Promise<boolean> {
  return (await Promise.all(ports.map(portIsFree))).every(Boolean);
}

/**
 * The lowest port the kernel hands out to outgoing connections. A listening port chosen inside that range can
 * be taken by any client socket (a Kafka or PostgreSQL connection of a neighbouring service) between the check
 * and the listen: one CI run failed so with EADDRINUSE.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** An offset at which every port of a two-ward system is free now and below the kernel's ephemeral range. */
export async function freeOffset(): Promise<number> {
  const lowest = 10_000;
  const highest = ephemeralLow() - 1 - Math.max(...allPorts(systemPorts(2, 0)));
  if (highest < lowest) throw new Error(`no port offset below the ephemeral range (it starts at ${ephemeralLow()})`);
  const steps = Math.floor((highest - lowest) / 20);
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = lowest + Math.floor(Math.random() * (steps + 1)) * 20;
    if (await allFree(allPorts(systemPorts(2, offset)))) return offset;
  }
  throw new Error('no port offset with every port free');
}

/** Pids of the live direct children of `pid` (from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the parent pid; the command name (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export interface StartedSystem {
  readonly child: ChildProcess;
  readonly tag: string;
  readonly offset: number;
  readonly stateDir: string;
  readonly ports: readonly number[];
  readonly exit: Promise<number | null>;
  output(): string;
  /** Stops it (SIGINT) if it still runs and removes its state folder. */
  cleanup(): Promise<void>;
}

/** Starts `vitals start` and resolves once it printed its banner (rejects if it exits before). */
export async function startSystem(
  o: { summaryEvery?: number; tag?: string; engine?: 'node' | 'flink' } = {},
): Promise<StartedSystem> {
  const config = testStackConfig();
  const tag = o.tag ?? `t${uniqueSuffix().slice(-8)}`;
  const stateDir = path.join(stackPaths(config.stackDir).root, `demo-${tag}`);
  const offset = await freeOffset();
  let output = '';
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs'),
      'start',
      '--port-offset',
      String(offset),
      '--instance',
      tag,
      '--summary-every',
      String(o.summaryEvery ?? 3),
      ...(o.engine ? ['--engine', o.engine] : []),
    ],
    { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // A stream closed on purpose by a test (EPIPE for the child) must not fail the test process.
  child.stdout!.on('error', () => undefined);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ready = false;
  await Promise.race([
    waitFor(() => output.includes('Press Ctrl-C to stop.'), { what: 'the banner', timeoutMs: 240_000, intervalMs: 500 }),
    exit.then((code) => {
      if (!ready) throw new Error(`vitals start exited with ${code}:\n${output}`);
    }),
  ]);
  ready = true;
  return {
    child,
    tag,
    offset,
    stateDir,
    ports: allPorts(systemPorts(2, offset)),
    exit,
    output: () => output,
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        await Promise.race([exit, new Promise((r) => setTimeout(r, 60_000))]);
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
