/**
 * The local Apache Flink session cluster, assembled from Maven Central jars (there is no flink-dist, so none of
 * its start scripts): a JobManager, one TaskManager and the SQL Gateway as background JVMs, configured from
 * docker/flink/config.yaml, with RocksDB state, checkpoints and savepoints under the stack folder.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { jobManagerClient, sqlGatewayClient, type ClusterOverview, type JobSummary } from '@vitals/cloud/flink';
import { StackErrors } from '../errors.js';
import { killJava, logFile, residentMiB, runningPid, startJava, stopJava, type JavaProcessSpec } from './java-process.js';
import type { StackPaths } from './paths.js';
import { renderTemplate } from './template.js';

export interface FlinkOptions {
  readonly java: string;
  readonly restUrl: string;
  readonly gatewayUrl: string;
  readonly rpcPort: number;
  readonly jobManagerMemory: string;
  readonly taskManagerMemory: string;
  readonly taskSlots: number;
  readonly parallelism: number;
  readonly checkpointIntervalMs: number;
  readonly gatewayHeap: string;
  readonly paths: StackPaths;
}

export type FlinkProcess = 'jobmanager' | 'taskmanager' | 'sql-gateway';
export const FLINK_PROCESSES: readonly FlinkProcess[] = ['jobmanager', 'taskmanager', 'sql-gateway'];

/** The main class of each JVM (docker/flink/run-flink.sh starts the same ones in compose). */
export const FLINK_MAIN_CLASSES: Readonly<Record<FlinkProcess, string>> = {
  jobmanager: 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
  taskmanager: 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
  'sql-gateway': 'org.apache.flink.table.gateway.SqlGateway',
};

/**
 * What Flink's own start scripts add for Java 17 (flink-dist's `env.java.default-opts.all`): Flink's
 * serializers and RPC reflect into these JDK packages (docker/flink/run-flink.sh passes the same ones).
 */
export const JAVA17_OPENS: readonly string[] = [
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED',
  '--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  ...[
    'lang',
    'net',
    'io',
    'nio',
    'lang.reflect',
    'text',
    'time',
    'util',
    'util.concurrent',
    'util.concurrent.atomic',
    'util.concurrent.locks',
  ].map((p) => `--add-opens=java.base/java.${p}=ALL-UNNAMED`),
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
];

/** The JVM flags and `-D key=value` dynamic properties Flink derives from the memory settings. */
export interface ResourceParams {
  readonly jvmFlags: string[];
  readonly dynamicProperties: string[];
}

/**
 * Reads the output of `BashJavaUtils GET_TM_RESOURCE_PARAMS|GET_JM_RESOURCE_PARAMS`: its two lines that start
 * with `BASH_JAVA_UTILS_EXEC_RESULT:` hold the JVM flags, then the dynamic properties. Pure.
 */
export function parseResourceParams(output: string): ResourceParams {
  const results = output
    .split('\n')
    .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
    .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
  if (results.length < 2) throw new Error(`expected 2 result lines from BashJavaUtils, got ${results.length}`);
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const dynamic = words(results[1]!);
  const dynamicProperties: string[] = [];
  for (let i = 0; i < dynamic.length; i++) {
    const w = dynamic[i]!;
    if (w === '-D' && dynamic[i + 1]) dynamicProperties.push(`-D${dynamic[++i]}`);
    else if (w.startsWith('-D')) dynamicProperties.push(w);
  }
  return { jvmFlags: words(results[0]!), dynamicProperties };
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

/**
 * The values of the `${...}` placeholders of docker/flink/config.yaml on the local stack: every process on the
 * host of its URL (docker-compose gives the same values but the addresses, compose.test.ts). Pure.
 */
export function flinkConfigValues(o: FlinkOptions): Record<string, string | number> {
  const rest = hostPort(o.restUrl);
  const gateway = hostPort(o.gatewayUrl);
  return {
    FLINK_HOST: rest.host,
    FLINK_BIND_HOST: rest.host,
    FLINK_TASKMANAGER_HOST: rest.host,
    FLINK_RPC_PORT: o.rpcPort,
    FLINK_REST_PORT: rest.port,
    FLINK_GATEWAY_HOST: gateway.host,
    FLINK_GATEWAY_BIND_HOST: gateway.host,
    FLINK_GATEWAY_PORT: gateway.port,
    FLINK_JOBMANAGER_MEMORY: o.jobManagerMemory,
    FLINK_TASKMANAGER_MEMORY: o.taskManagerMemory,
    FLINK_TASK_SLOTS: o.taskSlots,
    FLINK_PARALLELISM: o.parallelism,
    FLINK_CHECKPOINT_INTERVAL: `${o.checkpointIntervalMs} ms`,
    FLINK_STATE_DIR: o.paths.flinkState,
  };
}

/** Renders docker/flink/config.yaml into the configuration folder the three JVMs read. */
export async function renderFlinkConfig(o: FlinkOptions): Promise<string> {
  const text = renderTemplate(await readFile(o.paths.templates.flinkConfig, 'utf8'), flinkConfigValues(o));
  await mkdir(o.paths.flinkConf, { recursive: true });
  for (const d of ['checkpoints', 'savepoints', 'tmp']) await mkdir(path.join(o.paths.flinkState, d), { recursive: true });
  const file = path.join(o.paths.flinkConf, 'config.yaml');
  await writeFile(file, text);
  return file;
}

async function resourceParams(o: FlinkOptions, which: 'TM' | 'JM'): Promise<ResourceParams> {
  const { stdout } = await promisify(execFile)(o.java, [
    '-cp',
    path.join(o.paths.jars.flink, '*'),
    'org.apache.flink.runtime.util.bash.BashJavaUtils',
    `GET_${which}_RESOURCE_PARAMS`,
    '--configDir',
    o.paths.flinkConf,
  ]);
  return parseResourceParams(stdout);
}

function baseSpec(o: FlinkOptions, which: FlinkProcess): Omit<JavaProcessSpec, 'args'> {
  const name = `flink-${which}`;
  const log = path.join(o.paths.logs, `${name}.log`);
  return {
    name,
    java: o.java,
    classpathDir: o.paths.jars.flink,
    mainClass: FLINK_MAIN_CLASSES[which],
    jvmOptions: [...JAVA17_OPENS, `-Dlog.file=${log}`, `-Dlog4j.configurationFile=file:${o.paths.templates.flinkLog4j}`],
    runDir: o.paths.run,
    logDir: o.paths.logs,
  };
}

/** The spec of one Flink JVM, enough to find, stop or kill it (`startFlink` adds the memory flags). */
export function flinkSpec(o: FlinkOptions, which: FlinkProcess): JavaProcessSpec {
  return { ...baseSpec(o, which), args: [] };
}

async function startSpec(o: FlinkOptions, which: FlinkProcess): Promise<JavaProcessSpec> {
  const base = baseSpec(o, which);
  if (which === 'sql-gateway') {
    // The gateway takes no config folder argument: without FLINK_CONF_DIR it reads `../conf` relative to its
    // working folder, which is the rendered folder itself when it runs in it (its name is `conf`).
    return { ...base, heap: o.gatewayHeap, args: [], cwd: o.paths.flinkConf };
  }
  // TaskManagerRunner refuses to start without the derived memory options; the JobManager's heap follows them too.
  const params = await resourceParams(o, which === 'taskmanager' ? 'TM' : 'JM');
  return {
    ...base,
    jvmOptions: [...params.jvmFlags, ...(base.jvmOptions ?? [])],
    args: ['--configDir', o.paths.flinkConf, ...params.dynamicProperties],
  };
}

export async function flinkPids(o: FlinkOptions): Promise<Record<FlinkProcess, number | undefined>> {
  const [jobmanager, taskmanager, gateway] = await Promise.all(FLINK_PROCESSES.map((p) => runningPid(flinkSpec(o, p))));
  return { jobmanager, taskmanager, 'sql-gateway': gateway };
}

export async function flinkRunning(o: FlinkOptions): Promise<boolean> {
  return Object.values(await flinkPids(o)).some((p) => p !== undefined);
}

/**
 * Starts whichever of the three JVMs does not run (all at once: the TaskManager keeps trying to register
 * until the JobManager answers) and waits until the cluster is ready.
 */
export async function startFlink(o: FlinkOptions, timeoutMs = 150_000): Promise<'started' | 'running'> {
  const pids = await flinkPids(o);
  const missing = FLINK_PROCESSES.filter((p) => pids[p] === undefined);
  if (missing.length > 0) {
    await renderFlinkConfig(o);
    const specs = await Promise.all(missing.map((p) => startSpec(o, p)));
    for (const spec of specs) await startJava(spec);
  }
  await waitFlinkReady(o, timeoutMs);
  return missing.length === 0 ? 'running' : 'started';
}

/**
 * Ready means: the JobManager's `/overview` shows a TaskManager with all its slots, and the SQL Gateway
 * answers `/v1/info`. A JVM that exits while we wait fails at once, naming its log.
 */
export async function waitFlinkReady(o: FlinkOptions, timeoutMs: number): Promise<ClusterOverview> {
  const jm = jobManagerClient(o.restUrl, { timeoutMs: 5_000 });
  const gateway = sqlGatewayClient(o.gatewayUrl, { timeoutMs: 5_000 });
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing answered yet';
  for (;;) {
    const pids = await flinkPids(o);
    const dead = FLINK_PROCESSES.find((p) => pids[p] === undefined);
    if (dead) {
      const spec = flinkSpec(o, dead);
      throw StackErrors.STACK_ERR_PROCESS_START(`Flink ${dead}`, 'the process exited', logFile(spec));
    }
    try {
      const overview = await jm.overview();
      if (overview.taskManagers >= 1 && overview.slotsTotal >= o.taskSlots) {
        await gateway.info();
        return overview;
      }
      last = `${overview.taskManagers} TaskManagers, ${overview.slotsTotal} slots registered`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline)
      throw StackErrors.STACK_ERR_PROCESS_START('Flink', `not ready after ${timeoutMs} ms (${last})`, o.paths.logs);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Stops the gateway, then the TaskManager, then the JobManager (running jobs end as SUSPENDED, checkpoints kept). */
export async function stopFlink(o: FlinkOptions): Promise<FlinkProcess[]> {
  const stopped: FlinkProcess[] = [];
  for (const p of ['sql-gateway', 'taskmanager', 'jobmanager'] as const)
    if (await stopJava(flinkSpec(o, p), 30_000)) stopped.push(p);
  return stopped;
}

/** Kills the TaskManager with SIGKILL (fault injection: its tasks fail and restart from the last checkpoint). */
export async function killTaskManager(o: FlinkOptions): Promise<boolean> {
  return killJava(flinkSpec(o, 'taskmanager'));
}

export interface FlinkPartStatus {
  readonly part: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function pidDetail(pid: number | undefined): Promise<string> {
  if (pid === undefined) return 'not running';
  const rss = await residentMiB(pid);
  return `pid ${pid}${rss === undefined ? '' : `, RSS ${rss} MiB`}`;
}

function jobLine(jobs: readonly JobSummary[]): string {
  const running = jobs.filter((j) => j.state === 'RUNNING');
  const others = new Map<string, number>();
  for (const j of jobs) if (j.state !== 'RUNNING') others.set(j.state, (others.get(j.state) ?? 0) + 1);
  const parts = [
    running.length > 0 ? `running: ${running.map((j) => `${j.name} (${j.id})`).join(', ')}` : 'none running',
    ...[...others].map(([s, n]) => `${n} ${s.toLowerCase()}`),
  ];
  return parts.join('; ');
}

/** One line each for the JobManager, the TaskManager, the SQL Gateway and the jobs. */
export async function flinkStatus(o: FlinkOptions): Promise<FlinkPartStatus[]> {
  const pids = await flinkPids(o);
  const jm = jobManagerClient(o.restUrl, { timeoutMs: 5_000 });
  const out: FlinkPartStatus[] = [];
  let overview: ClusterOverview | undefined;
  let jobs: JobSummary[] | undefined;
  try {
    [overview, jobs] = await Promise.all([jm.overview(), jm.jobs()]);
    out.push({
      part: 'flink-jobmanager',
      ok: true,
      detail: `${o.restUrl}: Flink ${overview.flinkVersion}, ${await pidDetail(pids.jobmanager)}`,
    });
  } catch (err) {
    out.push({ part: 'flink-jobmanager', ok: false, detail: `${o.restUrl}: ${(err as Error).message}` });
  }
  out.push({
    part: 'flink-taskmanager',
    ok: overview !== undefined && overview.taskManagers > 0,
    detail: overview
      ? `${overview.taskManagers} registered, slots ${overview.slotsAvailable}/${overview.slotsTotal} free, ${await pidDetail(pids.taskmanager)}`
      : await pidDetail(pids.taskmanager),
  });
  try {
    const info = await sqlGatewayClient(o.gatewayUrl, { timeoutMs: 5_000 }).info();
    out.push({
      part: 'flink-sql-gateway',
      ok: true,
      detail: `${o.gatewayUrl}: ${info.product} ${info.version}, ${await pidDetail(pids['sql-gateway'])}`,
    });
  } catch (err) {
    out.push({ part: 'flink-sql-gateway', ok: false, detail: `${o.gatewayUrl}: ${(err as Error).message}` });
  }
  out.push({ part: 'flink-jobs', ok: jobs !== undefined, detail: jobs ? jobLine(jobs) : 'the JobManager is down' });
  return out;
}
