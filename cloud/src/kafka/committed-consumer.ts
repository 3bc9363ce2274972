/**
 * The consumer of the exactly-once stream processors (enricher, analytics): a group member that reads only
 * committed records (read_committed), heartbeats at a fifth of its session timeout, and retries broker calls
 * patiently, since its offsets are stored with its output and a restart costs a rebalance.
 */
import type { Consumer, Kafka } from 'kafkajs';

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
