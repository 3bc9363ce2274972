/** Settings of the local stack and the database tools, read once from the environment. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, readConfig, type ConfigOf } from '@vitals/shared';
import { readingsMaintenanceSettings, streamEngineSettings } from '@vitals/cloud/config';

/** The repository root (docker/src/config.ts -> ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const stackSettings = {
  databaseUrl: {
    env: 'DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/vitals',
    doc: 'PostgreSQL connection URL of the platform database',
    parse: parse.url,
  },
  kafkaBrokers: {
    env: 'KAFKA_BROKERS',
    default: '127.0.0.1:9092',
    doc: 'Kafka bootstrap servers, comma-separated; the local broker listens on the first one',
    parse: parse.list,
  },
  kafkaControllerPort: {
    env: 'KAFKA_CONTROLLER_PORT',
    default: '9093',
    doc: 'KRaft controller port of the local broker',
    parse: parse.port,
  },
  connectUrl: {
    env: 'KAFKA_CONNECT_URL',
    default: 'http://127.0.0.1:8083',
    doc: 'REST address of Kafka Connect (the local worker listens there)',
    parse: parse.url,
  },
  stackDir: {
    env: 'VITALS_STACK_DIR',
    default: path.join(REPO_ROOT, '.stack'),
    doc: 'Folder for the local stack: cached jars, Kafka data, Connect offsets, logs, pid files',
    parse: (raw: string) => path.resolve(raw),
  },
  kafkaHeap: { env: 'KAFKA_HEAP', default: '512m', doc: 'Maximum heap of the local Kafka broker JVM', parse: parse.nonEmpty },
  connectHeap: {
    env: 'CONNECT_HEAP',
    default: '768m',
    doc: 'Maximum heap of the local Kafka Connect JVM',
    parse: parse.nonEmpty,
  },
  cdcConnectorName: {
    env: 'CDC_CONNECTOR_NAME',
    default: 'vitals-postgres-cdc',
    doc: 'Name of the Debezium connector registered in Kafka Connect',
    parse: parse.nonEmpty,
  },
  cdcSlotName: {
    env: 'CDC_SLOT_NAME',
    default: 'vitals_cdc',
    doc: 'PostgreSQL logical replication slot of the Debezium connector (dropped by `stack down`)',
    parse: parse.nonEmpty,
  },
  cdcPublication: {
    env: 'CDC_PUBLICATION',
    default: 'vitals_cdc',
    doc: 'PostgreSQL publication Debezium reads (created by migration V1 on the reference tables)',
    parse: parse.nonEmpty,
  },
  readingPartitions: {
    env: 'KAFKA_READING_PARTITIONS',
    default: '6',
    doc: 'Partitions of raw-readings and enriched-readings created by the stack',
    parse: parse.int(1, 256),
  },
  manageLocalPostgres: {
    env: 'VITALS_MANAGE_LOCAL_POSTGRES',
    default: 'true',
    doc: 'Let `stack up` set wal_level=logical on a local PostgreSQL cluster and restart it (pg_ctlcluster)',
    parse: parse.bool,
  },
  mavenCommand: {
    env: 'MAVEN_CMD',
    default: 'mvn',
    doc: 'Maven executable used to fetch jars and run Flyway',
    parse: parse.nonEmpty,
  },
  javaCommand: {
    env: 'JAVA_CMD',
    default: 'java',
    doc: 'Java 17+ executable for Kafka, Kafka Connect and Flink',
    parse: parse.nonEmpty,
  },
  ...readingsMaintenanceSettings,
  ...streamEngineSettings,
  flinkRpcPort: {
    env: 'FLINK_RPC_PORT',
    default: '6123',
    doc: 'RPC port of the local Flink JobManager (TaskManagers register there)',
    parse: parse.port,
  },
  flinkJobManagerMemory: {
    env: 'FLINK_JOBMANAGER_MEMORY',
    default: '768m',
    doc: 'Total process memory of the local Flink JobManager (jobmanager.memory.process.size)',
    parse: parse.nonEmpty,
  },
  flinkTaskManagerMemory: {
    env: 'FLINK_TASKMANAGER_MEMORY',
    default: '2048m',
    doc: 'Total process memory of the local Flink TaskManager (taskmanager.memory.process.size), RocksDB included',
    parse: parse.nonEmpty,
  },
  flinkTaskSlots: {
    env: 'FLINK_TASK_SLOTS',
    default: '4',
    doc: 'Task slots of the local Flink TaskManager: the enricher and analytics jobs take FLINK_PARALLELISM slots each',
    parse: parse.int(1, 64),
  },
  flinkParallelism: {
    env: 'FLINK_PARALLELISM',
    default: '2',
    doc: 'Default parallelism of Flink jobs on the local cluster (at most the task slots)',
    parse: parse.int(1, 64),
  },
  flinkCheckpointIntervalMs: {
    env: 'FLINK_CHECKPOINT_INTERVAL',
    default: '5s',
    doc: 'Checkpoint interval of Flink jobs (their transactional Kafka output is committed, and visible, at each checkpoint)',
    parse: parse.duration,
  },
  flinkGatewayHeap: {
    env: 'FLINK_SQL_GATEWAY_HEAP',
    default: '384m',
    doc: 'Maximum heap of the local Flink SQL Gateway JVM',
    parse: parse.nonEmpty,
  },
} as const;

export type StackConfig = ConfigOf<typeof stackSettings>;

export function loadStackConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<StackConfig> = {},
): StackConfig {
  return readConfig(stackSettings, env, overrides);
}
