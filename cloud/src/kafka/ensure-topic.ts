/**
 * Creates a topic with as many partitions as another one (its input) if it does not exist yet: the enricher's
 * changelog (one partition per input partition) and, on the Flink engine, `alarm-inputs` (keyed by device as
 * raw-readings is).
 */
import type { Kafka } from 'kafkajs';
import { topicBounds } from './partition-reader.js';

export async function ensureTopicLike(
  kafka: Kafka,
  topic: string,
  like: string,
  configEntries: ReadonlyArray<{ name: string; value: string }> = [],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    const partitions = (await topicBounds(admin, like)).size;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries: [...configEntries] }],
    });
  } finally {
    await admin.disconnect();
  }
}
