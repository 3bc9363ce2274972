/**
 * A background JVM of the local stack: started detached with its output in a log file and its pid in a pid
 * file, found again by later CLI calls, stopped with SIGTERM (then SIGKILL after a grace).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@vitals/shared';

export interface JavaProcessSpec {
  /** Short name: pid file and log file are named after it. */
  readonly name: string;
  readonly java: string;
  /** Maximum heap (`-Xmx`); omit when `jvmOptions` size the memory themselves (Flink's computed flags). */
  readonly heap?: string;
  readonly classpathDir: string;
  readonly mainClass: string;
  readonly args: readonly string[];
  readonly jvmOptions?: readonly string[];
  readonly runDir: string;
  readonly logDir: string;
  /** Working folder of the process (default: this process's). */
  readonly cwd?: string;
}

export function pidFile(spec: Pick<JavaProcessSpec, 'name' | 'runDir'>): string {
  return path.join(spec.runDir, `${spec.name}.pid`);
}

export function logFile(spec: Pick<JavaProcessSpec, 'name' | 'logDir'>): string {
  return path.join(spec.logDir, `${spec.name}.log`);
}

/** True when `pid` is alive and its command line contains `marker` (guards against a recycled pid). */
async function isOurs(pid: number, marker: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(marker);
}

/** The pid of the running process, or undefined. */
export async function runningPid(spec: Pick<JavaProcessSpec, 'name' | 'runDir' | 'mainClass'>): Promise<number | undefined> {
  const text = await readFile(pidFile(spec), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isOurs(pid, spec.mainClass)) ? pid : undefined;
}

export async function startJava(spec: JavaProcessSpec): Promise<number> {
  await mkdir(spec.runDir, { recursive: true });
  await mkdir(spec.logDir, { recursive: true });
  const log = openSync(logFile(spec), 'a');
  const args = [
    ...(spec.heap === undefined ? [] : ['-Xms128m', `-Xmx${spec.heap}`]),
    '-XX:+UseSerialGC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    ...(spec.jvmOptions ?? []),
    '-cp',
    path.join(spec.classpathDir, '*'),
    spec.mainClass,
    ...spec.args,
  ];
  const child = spawn(spec.java, args, {
    detached: true,
    stdio: ['ignore', log, log],
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
  });
  closeSync(log);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve(child.pid as number));
  });
  child.unref();
  await writeFile(pidFile(spec), String(pid));
  return pid;
}

/** Stops the process: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopJava(spec: Pick<JavaProcessSpec, 'name' | 'runDir' | 'mainClass'>, graceMs = 30_000): Promise<boolean> {
  const pid = await runningPid(spec);
  if (pid === undefined) {
    await rm(pidFile(spec), { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(async () => !(await isOurs(pid, spec.mainClass)), {
      timeoutMs: graceMs,
      intervalMs: 200,
      what: `${spec.name} to exit`,
    });
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => !(await isOurs(pid, spec.mainClass)), { timeoutMs: 10_000, what: `${spec.name} to die` });
  }
  await rm(pidFile(spec), { force: true });
  return true;
}

/** Kills the process with SIGKILL at once (fault injection: a crash, not a shutdown). */
export async function killJava(spec: Pick<JavaProcessSpec, 'name' | 'runDir' | 'mainClass'>): Promise<boolean> {
  const pid = await runningPid(spec);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => !(await isOurs(pid, spec.mainClass)), { timeoutMs: 10_000, what: `${spec.name} to die` });
  return true;
}

/** Resident memory of a pid in MiB, from /proc (for `stack status`). */
export async function residentMiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : undefined;
}
