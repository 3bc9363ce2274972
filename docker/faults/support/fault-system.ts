/**
 * The whole system on its own infrastructure, for fault injection: a throwaway PostgreSQL cluster (logical WAL),
 * its own Kafka broker and Kafka Connect with Debezium (free ports, jars of the local stack), the cloud services,
 * an edge gateway and simulated monitors, all as separate processes. Faults never touch the shared stack other
 * suites use, except with `engine: 'flink'`: the enricher and analytics then run their jobs on the local stack's
 * Flink session cluster (reading and writing this system's own Kafka), whose TaskManager a scenario may kill.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createSimulation, buildFleet, type Simulation } from '@vitals/firmware-sim';
import { generateToken, hashToken } from '@vitals/cloud';
import { jobManagerClient } from '@vitals/cloud/flink';
import { waitFor } from '@vitals/shared';
import { loadStackConfig, REPO_ROOT } from '../../src/config.js';
import { describeStack, stackDown, stackUp, type Stack } from '../../src/stack/stack.js';
import { stackPaths } from '../../src/stack/paths.js';
import { killJava } from '../../src/stack/java-process.js';
import { fetchJars } from '../../src/stack/maven.js';
import { brokerSpec, startBroker } from '../../src/stack/kafka-broker.js';
import { connectSpec, startConnect, waitConnectorRunning } from '../../src/stack/kafka-connect.js';
import { freePort } from '../../src/testing/free-port.js';
import { ensureFlinkCluster, killFlinkProcess, uniqueSuffix } from '../../src/testing/index.js';
import { startTempPostgres, type TempPostgres } from '../../src/testing/temp-postgres.js';
import { answers200, managedProcess, type ManagedProcess } from './managed-process.js';

export interface FaultSystem {
  readonly pg: TempPostgres;
  readonly stack: Stack;
  readonly brokers: readonly string[];
  readonly customerId: string;
  readonly gatewayId: string;
  readonly gatewayToken: string;
  readonly devices: readonly string[];
  readonly ports: { storage: number; enricher: number; analytics: number; edgeHttp: number; edgeMqtt: number; edgeMllp: number };
  readonly services: {
    storage: ManagedProcess;
    enricher: ManagedProcess;
    analytics: ManagedProcess;
    edge: ManagedProcess;
  } & Record<string, ManagedProcess>;
  /** HTTP ports of the enricher and analytics instances, by service name (enricher, enricher-2, ...). */
  readonly instancePorts: Readonly<Record<string, number>>;
  readonly sim: Simulation;
  readonly db: pg.Pool;
  /** Kills the Kafka broker (SIGKILL) and starts it again on the same data. */
  crashKafka(downMs: number): Promise<void>;
  /** Kills Kafka Connect (SIGKILL), runs `during` while it is down, starts it again (it resumes from its offsets). */
  crashConnect(during: () => Promise<void>): Promise<void>;
  /** With `engine: 'flink'`: kills the Flink TaskManager (SIGKILL) and starts it again, as a cluster's supervisor would. */
  crashTaskManager(): Promise<void>;
  close(): Promise<void>;
}

export interface FaultSystemOptions {
  readonly devices: number;
  /** Instances of the enricher and of the analytics service, each in one consumer group (default 1). */
  readonly instances?: number;
  readonly framesPerSecondPerDevice: number;
  /** Stream engine of the enricher and analytics (default node); flink needs the local stack's Flink cluster. */
  readonly engine?: 'node' | 'flink';
  readonly log?: (m: string) => void;
}

const silent = { info: () => undefined, warn: () => undefined };

async function seed(db: pg.Pool, devices: readonly string[], gatewayId: string, token: string): Promise<string> {
  const one = async (sql: string, args: unknown[]) => (await db.query<{ id: string }>(sql, args)).rows[0]!.id;
  const customerId = await one(`INSERT INTO customers (name, slug) VALUES ('Fault Hospital', 'fault-hospital') RETURNING id`, []);
  const dept = await one(`INSERT INTO departments (customer_id, code, name) VALUES ($1, 'ICU', 'ICU') RETURNING id`, [
    customerId,
  ]);
  await db.query('INSERT INTO gateways (id, customer_id, department_id, name, token_hash) VALUES ($1, $2, $3, $4, $5)', [
    gatewayId,
    customerId,
    dept,
    'ICU',
    hashToken(token),
  ]);
  for (const [i, device] of devices.entries()) {
    const bed = await one('INSERT INTO beds (customer_id, department_id, label) VALUES ($1, $2, $3) RETURNING id', [
      customerId,
      dept,
      `B${i + 1}`,
    ]);
    const patient = await one('INSERT INTO patients (customer_id, mrn) VALUES ($1, $2) RETURNING id', [customerId, `F-${i + 1}`]);
    await db.query('INSERT INTO devices (id, customer_id) VALUES ($1, $2)', [device, customerId]);
    await db.query(
      `INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from) VALUES ($1, $2, $3, $4, now() - interval '1 day')`,
      [customerId, device, patient, bed],
    );
  }
  return customerId;
}

export async function startFaultSystem(o: FaultSystemOptions): Promise<FaultSystem> {
  const log = o.log ?? (() => undefined);
  const root = await mkdtemp(path.join(os.tmpdir(), 'vitals-faults-'));
  const pgServer = await startTempPostgres({
    settings: { wal_level: 'logical', max_replication_slots: '10', max_wal_senders: '10' },
  });
  const [kafkaPort, controllerPort, connectPort] = [await freePort(), await freePort(), await freePort()];
  const shared = loadStackConfig(process.env);
  const sharedPaths = stackPaths(shared.stackDir);
  await Promise.all([
    fetchJars(shared.mavenCommand, sharedPaths.poms.kafka, sharedPaths.jars.kafka),
    fetchJars(shared.mavenCommand, sharedPaths.poms.connect, sharedPaths.jars.connect),
  ]);
  const config = loadStackConfig({
    ...process.env,
    DATABASE_URL: pgServer.url,
    KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_CONNECT_URL: `http://127.0.0.1:${connectPort}`,
    VITALS_STACK_DIR: root,
    VITALS_MANAGE_LOCAL_POSTGRES: 'false',
    KAFKA_HEAP: '384m',
    CONNECT_HEAP: '512m',
    CDC_SLOT_NAME: 'vitals_cdc',
  });
  const described = describeStack(config);
  // The jars of the local stack, the rest (data, logs, pid files) of our own.
  const paths = { ...stackPaths(root), jars: sharedPaths.jars };
  const stack: Stack = { ...described, paths, broker: { ...described.broker, paths }, connect: { ...described.connect, paths } };
  log('fault system: starting PostgreSQL, Kafka, Kafka Connect');
  const cleanup: Array<() => Promise<unknown>> = [
    () => rm(root, { recursive: true, force: true }),
    () => pgServer.destroy(),
    () => stackDown(stack, silent),
  ];
  const undo = async () => {
    // Keep the logs of the JVMs for a failure's diagnosis, under the test output folder.
    await cp(path.join(root, 'logs'), path.join(REPO_ROOT, 'test-output', 'faults-logs'), { recursive: true }).catch(
      () => undefined,
    );
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  };
  try {
    await stackUp(stack, silent);
  } catch (err) {
    await undo();
    throw err;
  }
  const db = new pg.Pool({ connectionString: pgServer.url, max: 4 });
  // Idle connections die when PostgreSQL restarts (a scenario): the pool replaces them.
  db.on('error', () => undefined);

  const devices = Array.from({ length: o.devices }, (_, i) => `FLT-${String(i + 1).padStart(3, '0')}`);
  const gatewayId = 'gw-faults';
  const gatewayToken = generateToken('gateway');
  const customerId = await seed(db, devices, gatewayId, gatewayToken);

  const ports = {
    storage: await freePort(),
    enricher: await freePort(),
    analytics: await freePort(),
    edgeHttp: await freePort(),
    edgeMqtt: await freePort(),
    edgeMllp: await freePort(),
  };
  const common = {
    DATABASE_URL: pgServer.url,
    KAFKA_BROKERS: config.kafkaBrokers.join(','),
    LOG_LEVEL: 'warn',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  const baseEnv = process.env;
  // On Flink, the jobs are named after the groups: a run's own names, so no job resumes an earlier run's savepoint
  // (its offsets belong to another Kafka cluster).
  const flink = o.engine === 'flink';
  if (flink) await ensureFlinkCluster();
  const runTag = flink ? `-${uniqueSuffix()}` : '';
  const enricherEnv = {
    ...common,
    ENRICHER_GROUP_ID: `faults-enricher${runTag}`,
    ENRICHER_SESSION_TIMEOUT: '6s',
    ENRICHER_GRACE: '10s',
    ...(flink ? { STREAM_ENGINE: 'flink' } : {}),
  };
  const analyticsEnv = {
    ...common,
    ANALYTICS_GROUP_ID: `faults-analytics${runTag}`,
    ANALYTICS_SESSION_TIMEOUT: '6s',
    ...(flink ? { STREAM_ENGINE: 'flink' } : {}),
  };
  const services = {
    storage: managedProcess(
      {
        name: 'storage',
        command: ['cloud', 'storage', '--port', String(ports.storage)],
        env: common,
        ready: () => answers200(`http://127.0.0.1:${ports.storage}/readyz`),
      },
      baseEnv,
    ),
    enricher: managedProcess(
      {
        name: 'enricher',
        command: ['cloud', 'enricher', '--port', String(ports.enricher)],
        env: enricherEnv,
        ready: () => answers200(`http://127.0.0.1:${ports.enricher}/readyz`),
      },
      baseEnv,
    ),
    analytics: managedProcess(
      {
        name: 'analytics',
        command: { entry: 'cloud/src/cli/analytics-main.ts' },
        env: { ...analyticsEnv, ANALYTICS_PORT: String(ports.analytics) },
        ready: () => answers200(`http://127.0.0.1:${ports.analytics}/readyz`),
      },
      baseEnv,
    ),
    edge: managedProcess(
      {
        name: 'edge',
        command: ['edge'],
        env: {
          GATEWAY_ID: gatewayId,
          GATEWAY_TOKEN: gatewayToken,
          CLOUD_URL: `http://127.0.0.1:${ports.storage}`,
          EDGE_DATA_DIR: path.join(root, 'edge'),
          EDGE_HTTP_PORT: String(ports.edgeHttp),
          EDGE_MQTT_PORT: String(ports.edgeMqtt),
          EDGE_MLLP_PORT: String(ports.edgeMllp),
          EDGE_BACKOFF_MAX: '2s',
          EDGE_BREAKER_HALF_OPEN_AFTER: '2s',
          EDGE_LOG_LEVEL: 'warn',
        },
        ready: () => answers200(`http://127.0.0.1:${ports.edgeHttp}/healthz`),
      },
      baseEnv,
    ),
  };
  const instancePorts: Record<string, number> = { enricher: ports.enricher, analytics: ports.analytics };
  const extra: Record<string, ManagedProcess> = {};
  for (let i = 2; i <= (o.instances ?? 1); i++) {
    const e = await freePort();
    const a = await freePort();
    instancePorts[`enricher-${i}`] = e;
    instancePorts[`analytics-${i}`] = a;
    extra[`enricher-${i}`] = managedProcess(
      {
        name: `enricher-${i}`,
        command: ['cloud', 'enricher', '--port', String(e)],
        env: enricherEnv,
        ready: () => answers200(`http://127.0.0.1:${e}/readyz`),
      },
      baseEnv,
    );
    extra[`analytics-${i}`] = managedProcess(
      {
        name: `analytics-${i}`,
        command: ['cloud', 'analytics', '--port', String(a)],
        env: analyticsEnv,
        ready: () => answers200(`http://127.0.0.1:${a}/readyz`),
      },
      baseEnv,
    );
  }
  log('fault system: starting storage, enricher, analytics, edge');
  cleanup.push(() => db.end());
  for (const s of [services.storage, services.enricher, services.analytics, ...Object.values(extra), services.edge])
    cleanup.push(() => s.stop());
  let sim: Simulation;
  try {
    await Promise.all([services.storage.start(), services.enricher.start(), services.analytics.start()]);
    for (const s of Object.values(extra)) await s.start();
    await services.edge.start();
    sim = await startSimulation();
  } catch (err) {
    await undo();
    throw err;
  }

  async function startSimulation(): Promise<Simulation> {
    const simulation = createSimulation({
      devices: buildFleet({
        count: o.devices,
        prefix: 'FLT-',
        transports: ['mqtt'],
        mqttUrl: `mqtt://127.0.0.1:${ports.edgeMqtt}`,
        scenario: 'stable',
      }),
      rate: { perDevice: o.framesPerSecondPerDevice },
      seed: 'faults',
      reconnect: { minMs: 200, maxMs: 2_000 },
    });
    await simulation.start();
    await simulation.waitConnected(30_000);
    return simulation;
  }

  return {
    pg: pgServer,
    stack,
    brokers: config.kafkaBrokers,
    customerId,
    gatewayId,
    gatewayToken,
    devices,
    ports,
    services: { ...services, ...extra },
    instancePorts,
    sim,
    db,
    async crashKafka(downMs) {
      await killJava(brokerSpec(stack.broker));
      await new Promise((r) => setTimeout(r, downMs));
      await startBroker(stack.broker);
    },
    async crashConnect(during) {
      await killJava(connectSpec(stack.connect));
      await during();
      await startConnect(stack.connect);
      await waitConnectorRunning(stack.connect, config.cdcConnectorName, 120_000);
    },
    async crashTaskManager() {
      if (!flink) throw new Error('crashTaskManager needs engine flink');
      const { restUrl } = await ensureFlinkCluster();
      const jm = jobManagerClient(restUrl);
      const ours = async () => (await jm.jobs()).filter((j) => j.name.includes(runTag) && j.state === 'RUNNING');
      const ids = (await ours()).map((j) => j.id);
      if (ids.length !== 2) throw new Error(`expected the enricher and analytics jobs running, found ${ids.length}`);
      await killFlinkProcess('taskmanager');
      await ensureFlinkCluster();
      // The same jobs (not new submissions) run again, restored from a checkpoint taken before the kill.
      await waitFor(
        async () => {
          for (const id of ids) {
            if ((await jm.job(id)).state !== 'RUNNING' || !(await jm.checkpoints(id)).restoredFrom) return undefined;
          }
          return true;
        },
        { timeoutMs: 180_000, intervalMs: 1_000, what: 'both Flink jobs restored from their checkpoints' },
      );
    },
    async close() {
      await sim.stop().catch(() => undefined);
      for (const s of [services.edge, services.analytics, services.enricher, services.storage])
        await s.stop().catch(() => undefined);
      await db.end().catch(() => undefined);
      await stackDown(stack, silent).catch(() => undefined);
      await pgServer.destroy();
      await rm(root, { recursive: true, force: true });
    },
  };
}
