/**
 * A throwaway single-node Kafka broker for fault injection: its own data, logs and free ports, the jars of the
 * local stack. Tests kill it (a crash), start it again on the same data, and read its topics, without touching
 * the shared broker other suites use at the same time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { waitFor } from '@vitals/shared';
import { killJava, runningPid } from '../stack/java-process.js';
import { brokerSpec, startBroker, stopBroker, type BrokerOptions } from '../stack/kafka-broker.js';
import { stackPaths } from '../stack/paths.js';
import { freePort } from './free-port.js';
import { testStackConfig, uniqueSuffix, type ConsumedRecord } from './index.js';

export interface TempKafka {
  readonly brokers: readonly string[];
  readonly options: BrokerOptions;
  /** SIGKILL: a crash, not a shutdown. */
  kill(): Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** (Re)starts on the same data and ports; resolves when the broker answers. */
  start(): Promise<void>;
  running(): Promise<boolean>;
  createTopic(topic: string, partitions?: number): Promise<void>;
  /** Kills the broker and removes its files. */
  destroy(): Promise<void>;
}

export async function startTempKafka(opts: { heap?: string } = {}): Promise<TempKafka> {
  const config = testStackConfig();
  const root = await mkdtemp(path.join(os.tmpdir(), 'vitals-kafka-'));
  const shared = stackPaths(config.stackDir);
  const paths = { ...stackPaths(root), jars: shared.jars };
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const options: BrokerOptions = {
    java: config.javaCommand,
    heap: opts.heap ?? '384m',
    brokers: [`127.0.0.1:${port}`],
    controllerPort,
    paths,
  };
  const spec = brokerSpec(options);
  const temp: TempKafka = {
    brokers: options.brokers,
    options,
    kill: async () => {
      await killJava(spec);
    },
    stop: async () => {
      await stopBroker(options);
    },
    start: async () => {
      // kafka-broker.ts passes a random base64url cluster id as a separate argument; one that starts with '-' is
      // taken for an option by the storage tool (1 in 64). A new attempt draws a new id.
      for (let attempt = 1; ; attempt++) {
        try {
          await startBroker(options);
          return;
        } catch (err) {
          if (attempt >= 4 || !/cluster-id.*expected one argument/s.test((err as Error).message)) throw err;
        }
      }
    },
    running: async () => (await runningPid(spec)) !== undefined,
    createTopic: async (topic, partitions = 3) => {
      const admin = kafkaFor(options.brokers).admin();
      await admin.connect();
      try {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
      } finally {
        await admin.disconnect();
      }
    },
    destroy: async () => {
      await killJava(spec).catch(() => false);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await temp.start();
  } catch (err) {
    await temp.destroy();
    throw err;
  }
  return temp;
}

function kafkaFor(brokers: readonly string[]): Kafka {
  return new Kafka({
    clientId: 'vitals-test',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 5, initialRetryTime: 200 },
  });
}

/**
 * Reads `topics` of the cluster at `brokers` from the beginning, in a throwaway group, until `done(records)` or
 * the deadline (then it throws). The brokers-explicit sibling of `consumeUntil`.
 */
export async function consumeFrom(
  brokers: readonly string[],
  topics: readonly string[],
  done: (records: readonly ConsumedRecord[]) => boolean,
  opts: { timeoutMs?: number } = {},
): Promise<ConsumedRecord[]> {
  const kafka = kafkaFor(brokers);
  const consumer = kafka.consumer({ groupId: `vitals-test-${uniqueSuffix()}` });
  const records: ConsumedRecord[] = [];
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`consumeFrom(${topics.join(',')}): condition not met after ${timeoutMs} ms; saw ${records.length}`)),
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
            records.push({
              topic,
              partition,
              offset: message.offset,
              key: message.key ? message.key.toString('utf8') : null,
              value: message.value ? message.value.toString('utf8') : null,
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v ? v.toString() : ''])),
            });
            check();
          },
        })
        .catch(reject);
      check();
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records;
}

/** Creates a topic on a cluster and returns a function deleting it (for per-test topics on the shared broker). */
export async function createTopic(brokers: readonly string[], topic: string, partitions = 3): Promise<() => Promise<void>> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    await waitFor(
      async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.every((p) => p.leader >= 0),
      {
        timeoutMs: 30_000,
        what: `topic ${topic} to have leaders`,
      },
    );
  } finally {
    await admin.disconnect();
  }
  return async () => {
    const a = kafkaFor(brokers).admin();
    await a.connect();
    try {
      await a.deleteTopics({ topics: [topic] });
    } finally {
      await a.disconnect();
    }
  };
}
