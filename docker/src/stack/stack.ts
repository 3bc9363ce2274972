/**
 * The local stack without Docker: PostgreSQL prepared and migrated, Apache Kafka (KRaft), Kafka Connect with
 * Debezium, topics created, the CDC connector registered, and with the Flink engine a Flink session cluster.
 * `up` is idempotent; `down` stops what `up` started and drops the replication slot so no WAL is kept for a
 * connector that is gone.
 */
import { rm } from 'node:fs/promises';
import { topicSpecs, waitFor } from '@vitals/shared';
import type { StackConfig } from '../config.js';
import { fetchJars } from './maven.js';
import { flyway } from './flyway.js';
import { brokerSpec, startBroker, stopBroker, type BrokerOptions } from './kafka-broker.js';
import { ensureTopics, listTopics, warmUpCoordinators } from './kafka-admin.js';
import {
  connectSpec,
  connectorConfig,
  connectorStatus,
  deleteConnector,
  offsetsExist,
  registerConnector,
  removeOffsets,
  startConnect,
  stopConnect,
  waitConnectorRunning,
  type ConnectOptions,
} from './kafka-connect.js';
import { flinkRunning, flinkStatus, startFlink, stopFlink, type FlinkOptions } from './flink-cluster.js';
import { residentMiB, runningPid } from './java-process.js';
import { stackPaths, type StackPaths } from './paths.js';
import {
  checkReachable,
  dbTarget,
  dropReplicationSlot,
  ensureDatabase,
  ensureLogicalWal,
  replicationSlot,
  withClient,
  type DbTarget,
} from './postgres.js';

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
}

export const silentReporter: Reporter = { info: () => undefined, warn: () => undefined };

export interface Stack {
  readonly config: StackConfig;
  readonly paths: StackPaths;
  readonly db: DbTarget;
  readonly broker: BrokerOptions;
  readonly connect: ConnectOptions;
  readonly flink: FlinkOptions;
}

export function describeStack(config: StackConfig): Stack {
  const paths = stackPaths(config.stackDir);
  return {
    config,
    paths,
    db: dbTarget(config.databaseUrl),
    broker: {
      java: config.javaCommand,
      heap: config.kafkaHeap,
      brokers: config.kafkaBrokers,
      controllerPort: config.kafkaControllerPort,
      paths,
    },
    connect: {
      java: config.javaCommand,
      heap: config.connectHeap,
      brokers: config.kafkaBrokers,
      connectUrl: config.connectUrl,
      paths,
    },
    flink: {
      java: config.javaCommand,
      restUrl: config.flinkRestUrl,
      gatewayUrl: config.flinkGatewayUrl,
      rpcPort: config.flinkRpcPort,
      jobManagerMemory: config.flinkJobManagerMemory,
      taskManagerMemory: config.flinkTaskManagerMemory,
      taskSlots: config.flinkTaskSlots,
      parallelism: config.flinkParallelism,
      checkpointIntervalMs: config.flinkCheckpointIntervalMs,
      gatewayHeap: config.flinkGatewayHeap,
      paths,
    },
  };
}

async function timed<T>(report: Reporter, what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await fn();
  report.info(`${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return r;
}

export async function migrate(stack: Stack): Promise<string> {
  const { output } = await flyway('migrate', stack.db, {
    mvn: stack.config.mavenCommand,
    pom: stack.paths.poms.flyway,
    migrationsDir: stack.paths.migrations,
    offline: true,
  });
  return output;
}

export async function stackUp(stack: Stack, report: Reporter): Promise<{ seconds: number }> {
  const t0 = Date.now();
  const { config, paths, db } = stack;
  const withFlink = config.streamEngine === 'flink';

  const jars = timed(report, `jars ready (Kafka, Kafka Connect + Debezium${withFlink ? ', Flink' : ''})`, async () => {
    const fetched = await Promise.all([
      fetchJars(config.mavenCommand, paths.poms.kafka, paths.jars.kafka),
      fetchJars(config.mavenCommand, paths.poms.connect, paths.jars.connect),
      ...(withFlink ? [fetchJars(config.mavenCommand, paths.poms.flink, paths.jars.flink)] : []),
    ]);
    return fetched.some((f) => f.fetched);
  });

  const database = (async () => {
    await checkReachable(db);
    if ((await ensureLogicalWal(db, config.manageLocalPostgres, report.info)) === 'restarted')
      report.info('PostgreSQL restarted with wal_level=logical');
    if (await ensureDatabase(db)) report.info(`database ${db.database} created`);
    await timed(report, `database ${db.database} migrated`, () => migrate(stack));
  })();

  // Jars and database in parallel; Kafka needs the jars; Connect needs Kafka and the migrated database.
  const [fetched] = await Promise.all([jars, database]);
  if (fetched) report.info('fetched jars from Maven Central');

  const broker = await timed(report, 'Kafka ready', () => startBroker(stack.broker));
  await timed(report, 'topics ready', async () => {
    const created = await ensureTopics(config.kafkaBrokers, topicSpecs({ readingPartitions: config.readingPartitions }));
    if (created.length) report.info(`created topics: ${created.join(', ')}`);
    await warmUpCoordinators(config.kafkaBrokers);
  });

  // A fresh Connect (no offsets file) must not resume from an old slot, and an old offsets file must not
  // resume a slot that is gone: keep the two consistent before Connect starts.
  const connectRunning = (await runningPid(connectSpec(stack.connect))) !== undefined;
  if (!connectRunning) {
    const hasOffsets = await offsetsExist(stack.connect);
    const slot = await replicationSlot(db, config.cdcSlotName);
    if (!hasOffsets && slot) {
      report.warn(`dropping replication slot ${config.cdcSlotName} left without Connect offsets (a fresh snapshot follows)`);
      await dropReplicationSlot(db, config.cdcSlotName);
    } else if (hasOffsets && (!slot || slot.database !== db.database)) {
      report.warn('Connect offsets without their replication slot: removing them (a fresh snapshot follows)');
      await removeOffsets(stack.connect);
      if (slot) await dropReplicationSlot(db, config.cdcSlotName);
    }
  }
  const connector = {
    name: config.cdcConnectorName,
    config: await connectorConfig(
      { name: config.cdcConnectorName, db, slot: config.cdcSlotName, publication: config.cdcPublication },
      paths.templates.connector,
    ),
  };
  // The Flink cluster needs nothing of Connect: it starts beside it.
  const flink = withFlink
    ? timed(report, 'Flink session cluster ready (JobManager, TaskManager, SQL Gateway)', () => startFlink(stack.flink))
    : Promise.resolve(undefined);
  flink.catch(() => undefined);
  const connect = await timed(report, 'Kafka Connect ready', () => startConnect(stack.connect, connector));
  // A Connect we started creates the connector from its file (a PUT now would race it and stop Connect);
  // one that was running already gets the config over REST in case it changed.
  await timed(report, `Debezium connector ${config.cdcConnectorName} running`, () =>
    connect === 'started'
      ? waitConnectorRunning(stack.connect, connector.name, 120_000)
      : registerConnector(stack.connect, connector.name, connector.config),
  );
  await flink;
  const seconds = (Date.now() - t0) / 1000;
  report.info(`stack up in ${seconds.toFixed(1)} s (Kafka ${broker === 'running' ? 'was already running' : 'started'})`);
  return { seconds };
}

/**
 * Fetches the Flink jars (once) and starts the session cluster if it does not run: for `stack up --engine
 * flink`, and for tests that need Flink on a stack brought up without it.
 */
export async function ensureFlink(stack: Stack, report: Reporter): Promise<'started' | 'running'> {
  const { config, paths } = stack;
  const { fetched } = await fetchJars(config.mavenCommand, paths.poms.flink, paths.jars.flink);
  if (fetched) report.info('fetched the Flink jars from Maven Central');
  return timed(report, 'Flink session cluster ready (JobManager, TaskManager, SQL Gateway)', () => startFlink(stack.flink));
}

export async function stackDown(stack: Stack, report: Reporter, opts: { purge?: boolean } = {}): Promise<void> {
  const { config, db, paths } = stack;
  const flinkStopped = await stopFlink(stack.flink);
  if (flinkStopped.length > 0) report.info(`Flink stopped (${flinkStopped.join(', ')})`);
  if (await runningPid(connectSpec(stack.connect))) {
    await deleteConnector(stack.connect, config.cdcConnectorName).catch(() => false);
    await stopConnect(stack.connect);
    report.info('Kafka Connect stopped');
  }
  try {
    if (await dropReplicationSlot(db, config.cdcSlotName)) report.info(`replication slot ${config.cdcSlotName} dropped`);
  } catch (err) {
    report.warn(`could not drop replication slot ${config.cdcSlotName}: ${(err as Error).message}`);
  }
  // The slot is gone, so its offsets must go too: the next `up` takes a fresh snapshot.
  await removeOffsets(stack.connect);
  if (await stopBroker(stack.broker)) report.info('Kafka stopped');
  if (opts.purge) {
    await rm(paths.kafkaData, { recursive: true, force: true });
    await rm(paths.flinkState, { recursive: true, force: true });
    await rm(paths.logs, { recursive: true, force: true });
    report.info('Kafka data, Flink checkpoints and savepoints, and logs removed');
  }
}

export interface PartStatus {
  readonly part: string;
  readonly ok: boolean;
  readonly detail: string;
}

export async function stackStatus(stack: Stack): Promise<PartStatus[]> {
  const { config, db } = stack;
  const out: PartStatus[] = [];
  try {
    const detail = await withClient(db.url, async (c) => {
      const wal = (await c.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
      const mig = await c
        .query<{ v: string }>(`SELECT max(version::int)::text AS v FROM flyway_schema_history WHERE success`)
        .then((r) => r.rows[0]?.v ?? 'none')
        .catch(() => 'none');
      return { wal, mig };
    });
    out.push({
      part: 'postgresql',
      ok: detail.wal === 'logical' && detail.mig !== 'none',
      detail: `${db.database}: wal_level=${detail.wal}, schema version ${detail.mig}`,
    });
  } catch (err) {
    out.push({ part: 'postgresql', ok: false, detail: (err as Error).message });
  }
  const kafkaPid = await runningPid(brokerSpec(stack.broker));
  try {
    const topics = await waitFor(() => listTopics(config.kafkaBrokers), { timeoutMs: 5_000, what: 'Kafka' });
    const rss = kafkaPid ? await residentMiB(kafkaPid) : undefined;
    out.push({
      part: 'kafka',
      ok: true,
      detail: `${config.kafkaBrokers.join(',')}: ${topics.length} topics${rss ? `, pid ${kafkaPid}, RSS ${rss} MiB` : ''}`,
    });
  } catch (err) {
    out.push({ part: 'kafka', ok: false, detail: `${config.kafkaBrokers.join(',')}: ${(err as Error).message}` });
  }
  const connectPid = await runningPid(connectSpec(stack.connect));
  try {
    const s = await connectorStatus(stack.connect, config.cdcConnectorName);
    const rss = connectPid ? await residentMiB(connectPid) : undefined;
    out.push({
      part: 'kafka-connect',
      ok: true,
      detail: `${config.connectUrl}${rss ? `, pid ${connectPid}, RSS ${rss} MiB` : ''}`,
    });
    const running = s?.connector === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t === 'RUNNING');
    out.push({
      part: 'debezium',
      ok: running,
      detail: s
        ? `${config.cdcConnectorName}: connector ${s.connector}, tasks ${s.tasks.join(',') || 'none'}`
        : `${config.cdcConnectorName} not registered`,
    });
  } catch (err) {
    out.push({ part: 'kafka-connect', ok: false, detail: `${config.connectUrl}: ${(err as Error).message}` });
    out.push({ part: 'debezium', ok: false, detail: 'Kafka Connect is down' });
  }
  try {
    const slot = await replicationSlot(db, config.cdcSlotName);
    out.push({
      part: 'replication-slot',
      ok: slot !== undefined,
      detail: slot
        ? `${slot.name} on ${slot.database}, ${slot.active ? 'active' : 'inactive'}, retains ${(slot.retainedBytes / 1024 / 1024).toFixed(1)} MiB of WAL`
        : `${config.cdcSlotName} missing`,
    });
  } catch (err) {
    out.push({ part: 'replication-slot', ok: false, detail: (err as Error).message });
  }
  // Flink is part of the stack when it is the engine, or when it runs anyway.
  if (config.streamEngine === 'flink' || (await flinkRunning(stack.flink))) out.push(...(await flinkStatus(stack.flink)));
  return out;
}
