/** The stack's only use of a Kafka client: readiness, topic creation and coordinator warm-up. */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TopicSpec } from '@vitals/shared';

export async function withAdmin<T>(brokers: readonly string[], fn: (admin: Admin, kafka: Kafka) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'vitals-stack',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin, kafka);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function listTopics(brokers: readonly string[]): Promise<string[]> {
  return withAdmin(brokers, (admin) => admin.listTopics());
}

/** Creates the topics that do not exist yet; returns the names created. Existing topics are left as they are. */
export async function ensureTopics(brokers: readonly string[], specs: readonly TopicSpec[]): Promise<string[]> {
  return withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
      })),
    });
    return missing.map((s) => s.name);
  });
}

/**
 * Makes the broker create its group and transaction coordinators' topics now, so the first consumer group
 * and the first transactional producer of a test or service do not wait for them.
 */
export async function warmUpCoordinators(brokers: readonly string[]): Promise<void> {
  await withAdmin(brokers, async (admin, kafka) => {
    await admin.fetchOffsets({ groupId: 'vitals-stack-warmup', topics: [] }).catch(() => undefined);
    const producer = kafka.producer({ transactionalId: 'vitals-stack-warmup', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.disconnect();
  });
}
