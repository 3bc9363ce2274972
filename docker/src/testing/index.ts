/**
 * Helpers for integration tests of every package: where the real stack is, temporary databases, and reading
 * Kafka topics until a condition holds (with a deadline, never a sleep).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import pg from 'pg';
import { waitFor } from '@vitals/shared';
import { loadStackConfig, type StackConfig } from '../config.js';
import { flyway } from '../stack/flyway.js';
import { setConnectorPaused } from '../stack/kafka-connect.js';
import { stackPaths } from '../stack/paths.js';
import { describeStack, ensureFlink } from '../stack/stack.js';
import { flinkPids, type FlinkProcess } from '../stack/flink-cluster.js';
import { dbTarget, withClient } from '../stack/postgres.js';

export function testStackConfig(): StackConfig {
  return loadStackConfig(process.env);
}

/** A short random suffix for names that must not collide between test runs. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export interface TempDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the stack's server, optionally migrated by Flyway from `migrationsDir`. */
export async function createTempDatabase(opts: { migrate?: boolean; migrationsDir?: string } = {}): Promise<TempDatabase> {
  const config = testStackConfig();
  const base = dbTarget(config.databaseUrl);
  const name = `vitals_test_${uniqueSuffix()}`;
  await withClient(base.adminUrl, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const u = new URL(config.databaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  if (opts.migrate) {
    const paths = stackPaths(config.stackDir);
    await flyway('migrate', dbTarget(url), {
      mvn: config.mavenCommand,
      pom: paths.poms.flyway,
      migrationsDir: opts.migrationsDir ?? paths.migrations,
      offline: true,
    });
  }
  return {
    url,
    name,
    drop: () =>
      withClient(base.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads `topics` from the beginning in a throwaway consumer group until `done(records)` is true or the deadline
 * passes (then it throws, listing how many records it saw). read_committed unless told otherwise.
 */
export async function consumeUntil(
  topics: readonly string[],
  done: (records: readonly ConsumedRecord[]) => boolean,
  opts: {
    timeoutMs?: number;
    readUncommitted?: boolean;
    filter?: (r: ConsumedRecord) => boolean;
    /** Start at these offsets (from `markTopicEnds`) instead of the beginning: shared topics grow large. */
    since?: TopicMarks;
  } = {},
): Promise<ConsumedRecord[]> {
  const config = testStackConfig();
  const kafka = new Kafka({ clientId: 'vitals-test', brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `vitals-test-${uniqueSuffix()}`, readUncommitted: opts.readUncommitted ?? false });
  const records: ConsumedRecord[] = [];
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await waitForTopics(kafka, topics, timeoutMs);
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `consumeUntil(${topics.join(',')}): condition not met after ${timeoutMs} ms; saw ${records.length} matching records`,
            ),
          ),
        timeoutMs,
      );
      const check = () => {
        if (done(records)) {
          clearTimeout(timer);
          resolve();
        }
      };
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
            const r: ConsumedRecord = {
              topic,
              partition,
              offset: message.offset,
              key: message.key ? message.key.toString('utf8') : null,
              value: message.value ? message.value.toString('utf8') : null,
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v ? v.toString() : ''])),
            };
            const mark = opts.since?.get(topic)?.get(partition);
            if (mark !== undefined && BigInt(message.offset) < mark) return;
            if (!opts.filter || opts.filter(r)) records.push(r);
            check();
          },
        })
        .catch(reject);
      for (const [topic, partitions] of opts.since ?? []) {
        for (const [partition, offset] of partitions) consumer.seek({ topic, partition, offset: offset.toString() });
      }
      check();
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records;
}

/** End offsets of topics' partitions, to read only what comes after this moment. */
export type TopicMarks = ReadonlyMap<string, ReadonlyMap<number, bigint>>;

export async function markTopicEnds(topics: readonly string[]): Promise<TopicMarks> {
  const config = testStackConfig();
  const kafka = new Kafka({ clientId: 'vitals-test', brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks = new Map<string, Map<number, bigint>>();
    for (const topic of topics) {
      marks.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)])));
    }
    return marks;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Pauses the stack's Debezium connector, as if Kafka Connect were down: no change event and no heartbeat reaches
 * Kafka until the returned function resumes it (and waits until it runs again). Call it in a `finally`.
 */
export async function pauseCdcConnector(timeoutMs = 30_000): Promise<() => Promise<void>> {
  const config = testStackConfig();
  const connect = { connectUrl: config.connectUrl };
  await setConnectorPaused(connect, config.cdcConnectorName, true, timeoutMs);
  return () => setConnectorPaused(connect, config.cdcConnectorName, false, timeoutMs);
}

/** Waits until every topic exists with leaders (a connector or service may create it a moment later). */
async function waitForTopics(kafka: Kafka, topics: readonly string[], timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
        return meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      },
      { timeoutMs, intervalMs: 250, what: `topics ${topics.join(', ')} to exist` },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts the stack's Flink session cluster if it does not run (fetching its jars once), for tests of the Flink
 * jobs on a stack brought up without `--engine flink`. Returns the cluster's REST and SQL Gateway URLs.
 */
export async function ensureFlinkCluster(): Promise<{ restUrl: string; gatewayUrl: string }> {
  const config = testStackConfig();
  await ensureFlink(describeStack(config), {
    info: (m) => process.stderr.write(`[stack] ${m}\n`),
    warn: (m) => process.stderr.write(`[stack] warning: ${m}\n`),
  });
  return { restUrl: config.flinkRestUrl, gatewayUrl: config.flinkGatewayUrl };
}

/** Kills one of the stack's Flink JVMs with SIGKILL (a crash, for fault tests); returns its pid. */
export async function killFlinkProcess(which: FlinkProcess): Promise<number> {
  const pid = (await flinkPids(describeStack(testStackConfig()).flink))[which];
  if (pid === undefined) throw new Error(`the stack's Flink ${which} is not running`);
  process.kill(pid, 'SIGKILL');
  await waitFor(
    async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    { timeoutMs: 10_000, intervalMs: 50, what: `Flink ${which} (pid ${pid}) to exit` },
  );
  return pid;
}

export { withClient, dbTarget };
export { freePort } from './free-port.js';
export { startTempKafka, consumeFrom, createTopic, type TempKafka } from './temp-kafka.js';
export { startTempPostgres, type TempPostgres } from './temp-postgres.js';
export { prepareFhirValidator, validateFhir, type FhirValidationMessage } from './fhir-validator.js';
export { seedDemoHospital, type DemoCredentials } from '../system/demo-seed.js';
