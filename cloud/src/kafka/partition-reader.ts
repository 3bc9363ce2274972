/**
 * Reads offset ranges of chosen partitions of one topic, start to finish, then stops: for rebuilding state
 * from a changelog or re-reading input. kafkajs has no manual assignment, so this uses a throwaway consumer
 * group, seeks the wanted partitions and pauses the others. Positions count control records (transaction
 * markers), so a read_committed read of a transactional topic still reaches its end.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { waitFor } from '@vitals/shared';

export interface OffsetRange {
  /** First offset to read. */
  readonly from: bigint;
  /** Offset to stop before (exclusive). */
  readonly to: bigint;
}

export interface ReadRangesOptions {
  readonly topic: string;
  readonly ranges: ReadonlyMap<number, OffsetRange>;
  readonly readUncommitted?: boolean;
  readonly timeoutMs?: number;
  readonly groupPrefix?: string;
}

export async function readPartitionRanges(
  kafka: Kafka,
  opts: ReadRangesOptions,
  onMessage: (partition: number, message: KafkaMessage) => void,
): Promise<void> {
  const wanted = new Map([...opts.ranges].filter(([, r]) => r.to > r.from));
  if (wanted.size === 0) return;
  const consumer = kafka.consumer({
    groupId: `${opts.groupPrefix ?? 'vitals-reader'}-${randomBytes(6).toString('hex')}`,
    readUncommitted: opts.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  const position = new Map<number, bigint>();
  const done = () => [...wanted].every(([p, r]) => (position.get(p) ?? r.from) >= r.to);
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const { topic, partition, lastOffset } = e.payload;
    if (topic !== opts.topic || !wanted.has(partition)) return;
    const next = BigInt(lastOffset) + 1n;
    if (next > (position.get(partition) ?? -1n)) position.set(partition, next);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = wanted.get(batch.partition);
        if (!range) return;
        for (const m of batch.messages) {
          const o = BigInt(m.offset);
          if (o >= range.from && o < range.to) onMessage(batch.partition, m);
        }
      },
    });
    const metadata = await kafka.admin();
    await metadata.connect();
    let partitions: number[];
    try {
      partitions =
        (await metadata.fetchTopicMetadata({ topics: [opts.topic] })).topics[0]?.partitions.map((p) => p.partitionId) ?? [];
    } finally {
      await metadata.disconnect();
    }
    const others = partitions.filter((p) => !wanted.has(p));
    if (others.length) consumer.pause([{ topic: opts.topic, partitions: others }]);
    for (const [partition, r] of wanted) consumer.seek({ topic: opts.topic, partition, offset: r.from.toString() });
    await waitFor(done, { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 20, what: `reading ${opts.topic} ranges` });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** End offsets (high watermarks) and start offsets of every partition of a topic. */
export async function topicBounds(admin: Admin, topic: string): Promise<Map<number, { low: bigint; high: bigint }>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
}
