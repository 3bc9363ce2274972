/**
 * The local Kafka Connect worker (standalone) with the Debezium PostgreSQL connector: render the worker and
 * connector configs from the shared files, start, register the connector through REST, wait until it runs.
 */
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CDC_TABLES, CDC_TOPIC_PREFIX, waitFor } from '@vitals/shared';
import { StackErrors } from '../errors.js';
import { logFile, runningPid, startJava, stopJava, type JavaProcessSpec } from './java-process.js';
import type { StackPaths } from './paths.js';
import type { DbTarget } from './postgres.js';
import { renderTemplate } from './template.js';

export interface ConnectOptions {
  readonly java: string;
  readonly heap: string;
  readonly brokers: readonly string[];
  readonly connectUrl: string;
  readonly paths: StackPaths;
}

export interface ConnectorOptions {
  readonly name: string;
  readonly db: DbTarget;
  readonly slot: string;
  readonly publication: string;
  readonly topicPrefix?: string;
  readonly tables?: readonly string[];
  /** `disabled` uses the publication made by the migrations; `filtered` lets Debezium create it (tests). */
  readonly publicationAutocreate?: 'disabled' | 'filtered';
}

const MAIN = 'org.apache.kafka.connect.cli.ConnectStandalone';

/** Where the rendered connector config lives: Connect standalone loads it at every start (see `startConnect`). */
export function connectorFile(o: Pick<ConnectOptions, 'paths'>): string {
  return path.join(o.paths.rendered, 'connector.json');
}

export function connectSpec(o: ConnectOptions): JavaProcessSpec {
  return {
    name: 'connect',
    java: o.java,
    heap: o.heap,
    classpathDir: o.paths.jars.connect,
    mainClass: MAIN,
    // Standalone mode forgets connectors registered over REST when it restarts; a connector named on the
    // command line is started again every time (resuming from the offsets file), so a crash heals by itself.
    args: [path.join(o.paths.rendered, 'worker.properties'), connectorFile(o)],
    jvmOptions: [`-Dlog4j2.configurationFile=${o.paths.templates.log4j}`],
    runDir: o.paths.run,
    logDir: o.paths.logs,
  };
}

export async function offsetsExist(o: ConnectOptions): Promise<boolean> {
  return access(o.paths.connectOffsets).then(
    () => true,
    () => false,
  );
}

export async function removeOffsets(o: ConnectOptions): Promise<void> {
  await rm(o.paths.connectOffsets, { force: true });
}

async function renderWorker(o: ConnectOptions): Promise<void> {
  const u = new URL(o.connectUrl);
  const text = renderTemplate(await readFile(o.paths.templates.connectWorker, 'utf8'), {
    KAFKA_BOOTSTRAP: o.brokers.join(','),
    CONNECT_OFFSETS_FILE: o.paths.connectOffsets,
    CONNECT_LISTEN_HOST: u.hostname,
    CONNECT_PORT: u.port || '8083',
  });
  await mkdir(o.paths.rendered, { recursive: true });
  await mkdir(path.dirname(o.paths.connectOffsets), { recursive: true });
  await writeFile(path.join(o.paths.rendered, 'worker.properties'), text);
}

async function rest(
  o: Pick<ConnectOptions, 'connectUrl'>,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${o.connectUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* plain text body */
  }
  return { status: res.status, json };
}

/**
 * Starts Connect (if it does not run) with the connector config `connector` (name + config), which is also
 * written to `connectorFile` so that a restart, even after a crash, starts the connector again.
 */
export async function startConnect(
  o: ConnectOptions,
  connector?: { name: string; config: Record<string, string> },
): Promise<'started' | 'running'> {
  const spec = connectSpec(o);
  if (connector) {
    await mkdir(o.paths.rendered, { recursive: true });
    await writeFile(connectorFile(o), JSON.stringify(connector, null, 2));
  }
  if (await runningPid(spec)) {
    await waitConnectReady(o, 60_000);
    return 'running';
  }
  await access(connectorFile(o)).catch(() => {
    throw new Error(`no connector config at ${connectorFile(o)}: run \`vitals stack up\` first`);
  });
  await renderWorker(o);
  await startJava(spec);
  await waitConnectReady(o, 120_000);
  return 'started';
}

export async function waitConnectReady(o: ConnectOptions, timeoutMs: number): Promise<void> {
  const spec = connectSpec(o);
  try {
    await waitFor(
      async () => {
        if (!(await runningPid(spec))) throw new Error('the Connect process exited');
        return (await rest(o, 'GET', '/connectors')).status === 200;
      },
      { timeoutMs, intervalMs: 500, what: 'Kafka Connect REST' },
    );
  } catch (err) {
    throw StackErrors.STACK_ERR_PROCESS_START.withCause(err, 'Kafka Connect', (err as Error).message, logFile(spec));
  }
}

export async function connectorConfig(o: ConnectorOptions, templateFile: string): Promise<Record<string, string>> {
  const rendered = renderTemplate(await readFile(templateFile, 'utf8'), {
    CONNECTOR_NAME: o.name,
    PGHOST: o.db.host,
    PGPORT: o.db.port,
    PGUSER: o.db.user,
    PGPASSWORD: o.db.password,
    PGDATABASE: o.db.database,
    CDC_TOPIC_PREFIX: o.topicPrefix ?? CDC_TOPIC_PREFIX,
    TABLE_INCLUDE_LIST: (o.tables ?? CDC_TABLES).map((t) => (t.includes('.') ? t : `public.${t}`)).join(','),
    SLOT_NAME: o.slot,
    PUBLICATION_NAME: o.publication,
    PUBLICATION_AUTOCREATE: o.publicationAutocreate ?? 'disabled',
  });
  return (JSON.parse(rendered) as { config: Record<string, string> }).config;
}

/**
 * Registers (or updates) a connector and waits until it and its task run. A connector that already has this
 * config is left alone; Connect answers 409 while it is (re)starting connectors, so the update is retried.
 */
export async function registerConnector(
  o: Pick<ConnectOptions, 'connectUrl'>,
  name: string,
  config: Record<string, string>,
  timeoutMs = 60_000,
): Promise<void> {
  const path = `/connectors/${encodeURIComponent(name)}/config`;
  // 409 (Connect is starting or restarting connectors) and 5xx (its herder is busy) mean "ask again".
  const busy = (status: number) => status === 409 || status >= 500;
  let last: { status: number; json: unknown } | undefined;
  try {
    await waitFor(
      async () => {
        const current = await rest(o, 'GET', path);
        if (busy(current.status)) return false;
        const same =
          current.status === 200 && Object.entries(config).every(([k, v]) => (current.json as Record<string, string>)[k] === v);
        if (same) return true;
        last = await rest(o, 'PUT', path, config);
        if (busy(last.status)) return false;
        if (last.status >= 300)
          throw StackErrors.STACK_ERR_CONNECTOR_FAILED(name, `HTTP ${last.status} ${JSON.stringify(last.json)}`);
        return true;
      },
      { timeoutMs, intervalMs: 500, what: `Connect to hold the config of ${name}` },
    );
  } catch (err) {
    throw StackErrors.STACK_ERR_CONNECTOR_FAILED.withCause(
      err,
      name,
      `${(err as Error).message} (last answer: HTTP ${last?.status})`,
    );
  }
  await waitConnectorRunning(o, name, timeoutMs);
}

export interface ConnectorStatus {
  readonly connector: string;
  readonly tasks: readonly string[];
  readonly trace?: string;
}

export async function connectorStatus(o: Pick<ConnectOptions, 'connectUrl'>, name: string): Promise<ConnectorStatus | undefined> {
  const r = await rest(o, 'GET', `/connectors/${encodeURIComponent(name)}/status`);
  if (r.status === 404) return undefined;
  const j = r.json as { connector?: { state?: string; trace?: string }; tasks?: Array<{ state?: string; trace?: string }> };
  const trace = j.connector?.trace ?? j.tasks?.find((t) => t.trace)?.trace;
  return { connector: j.connector?.state ?? 'UNKNOWN', tasks: (j.tasks ?? []).map((t) => t.state ?? 'UNKNOWN'), trace };
}

export async function waitConnectorRunning(
  o: Pick<ConnectOptions, 'connectUrl'>,
  name: string,
  timeoutMs: number,
): Promise<void> {
  let last: ConnectorStatus | undefined;
  try {
    await waitFor(
      async () => {
        last = await connectorStatus(o, name);
        if (last?.connector === 'FAILED' || last?.tasks.includes('FAILED'))
          throw new Error(last.trace?.split('\n')[0] ?? 'FAILED');
        return (
          last !== undefined && last.connector === 'RUNNING' && last.tasks.length > 0 && last.tasks.every((t) => t === 'RUNNING')
        );
      },
      { timeoutMs, intervalMs: 300, what: `connector ${name} to run` },
    );
  } catch (err) {
    throw StackErrors.STACK_ERR_CONNECTOR_FAILED.withCause(err, name, (err as Error).message);
  }
}

/** Pauses (`pause`) or resumes (`resume`) a connector and waits until its tasks report that state. */
export async function setConnectorPaused(
  o: Pick<ConnectOptions, 'connectUrl'>,
  name: string,
  paused: boolean,
  timeoutMs: number,
): Promise<void> {
  const r = await rest(o, 'PUT', `/connectors/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`);
  if (r.status >= 300) throw StackErrors.STACK_ERR_CONNECTOR_FAILED(name, `${paused ? 'pause' : 'resume'} answered ${r.status}`);
  if (!paused) return waitConnectorRunning(o, name, timeoutMs);
  await waitFor(
    async () => {
      const s = await connectorStatus(o, name);
      return s?.connector === 'PAUSED' && s.tasks.every((t) => t === 'PAUSED');
    },
    { timeoutMs, intervalMs: 200, what: `connector ${name} to pause` },
  );
}

export async function deleteConnector(o: Pick<ConnectOptions, 'connectUrl'>, name: string): Promise<boolean> {
  const r = await rest(o, 'DELETE', `/connectors/${encodeURIComponent(name)}`);
  return r.status < 300;
}

export async function stopConnect(o: ConnectOptions): Promise<boolean> {
  return stopJava(connectSpec(o), 60_000);
}
