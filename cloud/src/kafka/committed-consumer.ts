/**
 * The consumer of the exactly-once stream processors (enricher, analytics): a group member that reads only
 * committed records (read_committed), heartbeats at a fifth of its session timeout, and retries broker calls
 * patiently, since its offsets are stored with its output and a restart costs a rebalance.
 */
import type { Consumer, EachBatchHandler, Kafka } from 'kafkajs';
import type { Clock } from '@vitals/shared';

export interface CommittedConsumerOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** How long a fetch waits for records (bounds latency from below under light load). */
  readonly maxWaitMs: number;
}

export function createCommittedConsumer(kafka: Kafka, o: CommittedConsumerOptions): Consumer {
  return kafka.consumer({
    groupId: o.groupId,
    sessionTimeout: o.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(o.sessionTimeoutMs / 5)),
    readUncommitted: false,
    maxWaitTimeInMs: o.maxWaitMs,
    maxBytesPerPartition: 1024 * 1024,
    retry: { retries: 10 },
  });
}

/**
 * Connects, subscribes and runs a consumer of `createCommittedConsumer` the way both processors need: offsets only
 * through their own commits (no auto-commit, no auto-resolve), every assigned partition's batches concurrently.
 */
export async function runCommittedConsumer(
  consumer: Consumer,
  o: { readonly topic: string; readonly fromBeginning: boolean },
  eachBatch: EachBatchHandler,
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: o.fromBeginning });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 16, eachBatch });
}

/**
 * Runs `work` inside a batch handler while heartbeating the group every second, so a long wait (a partition's
 * restore, the enricher's CDC watermark) does not cost the member its session.
 */
export async function whileBeating<T>(clock: Clock, heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  const beat = clock.setInterval(() => void heartbeat().catch(() => undefined), 1_000);
  try {
    return await work();
  } finally {
    clock.clearInterval(beat);
  }
}
