/**
 * Exactly-once processing of raw-readings with kafkajs: one transactional producer per input partition (its
 * transactional id is fixed per partition, so a new owner fences the old one: kafkajs cannot fence by group
 * generation), and each batch's output, changelog writes and input offset commit in one transaction. The
 * changelog also records the next input offset, so a new owner resumes exactly where the last committed
 * transaction ended. After any transactional error the partition is rebuilt from scratch: new producer,
 * state restored from the changelog, consumer seeked to the stored offset.
 */
import { Partitioners, type Admin, type Consumer, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { createCommittedConsumer, runCommittedConsumer, whileBeating } from '../kafka/committed-consumer.js';
import { superviseConsumer, type CrashBudget } from '../kafka/consumer-supervisor.js';
import type { Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { readPartitionRanges, topicBounds } from '../kafka/partition-reader.js';
import { decodeChangelog, type ChangelogWrite } from './changelog.js';
import type { EnricherMetrics } from './metrics.js';
import { batchFreshness, measuredAtOf, type PendingRecord } from './cdc-watermark.js';
import { PartitionProcessor, type Effects, type ProcessorOptions, type RawRecord } from './partition-processor.js';
import type { ReferenceState } from './reference-state.js';

export interface RunnerOptions {
  readonly groupId: string;
  readonly inputTopic: string;
  readonly changelogTopic: string;
  readonly graceMs: number;
  readonly dedupeWindowMs: number;
  readonly deviceSilenceMs: number;
  /** Longest wait for the CDC watermark to reach a reading's measured-at time, from its arrival (0: no wait). */
  readonly cdcMaxHoldMs: number;
  readonly tickMs: number;
  readonly maxWaitMs: number;
  readonly sessionTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly fromBeginning: boolean;
  /** The input's records and the outputs (the Flink engine's alarm stage; tests): `ProcessorOptions`. */
  readonly input?: ProcessorOptions['input'];
  readonly outputs?: ProcessorOptions['outputs'];
  /** How many consumer crashes in a row are restarted before the service gives up (default 5 within 5 min). */
  readonly crashBudget?: CrashBudget;
}

/** How far the reference state is complete: the CDC follower. */
export interface ReferenceFeed {
  barrier(notBeforeMs?: number): Promise<void>;
  readonly watermarkMs: number;
  confirmedAt(t: number): number;
}

export interface RunnerDeps {
  readonly kafka: Kafka;
  readonly state: ReferenceState;
  readonly reference: ReferenceFeed;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EnricherMetrics;
  /** The consumer crashed beyond its budget: the service must stop and exit non-zero. */
  readonly onFatal: (err: Error) => void;
}

const OFFSET_KEY = 'o|next-offset';
/** Bytes of record values per send: below the broker's default message.max.bytes (1 MiB) with room to spare. */
const MAX_SEND_BYTES = 256 * 1024;

function* chunkBySize<T extends { value: string | null; key: string | null }>(
  items: readonly T[],
  maxBytes: number,
): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = (item.value?.length ?? 0) + (item.key?.length ?? 0) + 64;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

interface PartitionRuntime {
  readonly partition: number;
  producer: Producer;
  processor: PartitionProcessor;
  /** Serialises batches, ticks and resets of one partition. */
  chain: Promise<void>;
  ready: Promise<void>;
  /** Next input offset covered by the last committed transaction. */
  committed: bigint;
  closed: boolean;
}

export interface Runner {
  readonly assigned: readonly number[];
  close(): Promise<void>;
}

export async function startTransactionalRunner(opts: RunnerOptions, deps: RunnerDeps): Promise<Runner> {
  const { kafka, clock, metrics } = deps;
  const log = deps.log.child({ component: 'runner' });
  const runtimes = new Map<number, PartitionRuntime>();
  const admin: Admin = kafka.admin();
  await admin.connect();

  function processorOptions(partition: number): ProcessorOptions {
    return {
      topic: opts.inputTopic,
      partition,
      graceMs: opts.graceMs,
      dedupeWindowMs: opts.dedupeWindowMs,
      deviceSilenceMs: opts.deviceSilenceMs,
      ...(opts.input ? { input: opts.input } : {}),
      ...(opts.outputs ? { outputs: opts.outputs } : {}),
    };
  }

  async function newProducer(partition: number): Promise<Producer> {
    const producer = kafka.producer({
      transactionalId: `${opts.groupId}-tx-${partition}`,
      idempotent: true,
      // The Java client's murmur2 partitioning of the patient key (kafkajs' default since 2.0, named to be explicit).
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      transactionTimeout: opts.transactionTimeoutMs,
      retry: { retries: 5 },
    });
    await producer.connect();
    // kafkajs initialises the transactional id lazily, at the first transaction. Do it now, before the restore
    // reads what was committed: this fences any older owner of the partition, and the broker first completes
    // that owner's last transaction (aborts it, or finishes a commit already under way), so the changelog read
    // that follows sees its final state.
    const fence = await producer.transaction();
    await fence.abort();
    return producer;
  }

  /** Builds a partition's state from its changelog and recent input; returns the offset to resume from. */
  async function restore(partition: number, processor: PartitionProcessor): Promise<bigint> {
    const t0 = clock.now();
    const bounds = await topicBounds(admin, opts.changelogTopic);
    const end = bounds.get(partition);
    const latest = new Map<string, string | null>();
    if (end && end.high > end.low) {
      await readPartitionRanges(
        kafka,
        {
          topic: opts.changelogTopic,
          ranges: new Map([[partition, { from: end.low, to: end.high }]]),
          groupPrefix: `${opts.groupId}-restore`,
        },
        (_p, m) => latest.set(m.key?.toString('utf8') ?? '', m.value ? m.value.toString('utf8') : null),
      );
    }
    const stored = latest.get(OFFSET_KEY);
    latest.delete(OFFSET_KEY);
    processor.restore(decodeChangelog(latest));
    let resumeAt = stored ? BigInt(stored) : -1n;
    if (resumeAt < 0n) {
      // Nothing committed by us yet: start where the group says, or at the beginning/end of the topic.
      const fetched = await admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.inputTopic] });
      const o = fetched[0]?.partitions.find((p) => p.partition === partition)?.offset;
      if (o !== undefined && BigInt(o) >= 0n) resumeAt = BigInt(o);
    }
    // Re-learn the reading ids of the dedupe window from the input already processed.
    if (resumeAt > 0n) {
      const since = clock.now() - opts.dedupeWindowMs;
      const fromOffsets = await admin.fetchTopicOffsetsByTimestamp(opts.inputTopic, since);
      const fromRaw = fromOffsets.find((o) => o.partition === partition)?.offset;
      const from = fromRaw !== undefined && BigInt(fromRaw) >= 0n ? BigInt(fromRaw) : resumeAt;
      if (from < resumeAt) {
        await readPartitionRanges(
          kafka,
          {
            topic: opts.inputTopic,
            ranges: new Map([[partition, { from, to: resumeAt }]]),
            groupPrefix: `${opts.groupId}-dedupe`,
          },
          (_p, m: KafkaMessage) => {
            const id = readingIdOf(m.value);
            if (id) processor.rememberProcessed(id, Number(m.timestamp));
          },
        );
      }
    }
    log.info(
      {
        partition,
        resumeAt: resumeAt.toString(),
        keys: latest.size,
        held: processor.heldCount,
        dedupe: processor.dedupeSize,
        ms: clock.now() - t0,
      },
      'partition restored',
    );
    return resumeAt;
  }

  function createRuntime(partition: number, consumer: Consumer): PartitionRuntime {
    const rt: PartitionRuntime = {
      partition,
      producer: undefined as unknown as Producer,
      processor: new PartitionProcessor(processorOptions(partition), deps.state),
      chain: Promise.resolve(),
      ready: Promise.resolve(),
      committed: -1n,
      closed: false,
    };
    rt.ready = initRuntime(rt, consumer);
    rt.chain = rt.ready.catch(() => undefined);
    runtimes.set(partition, rt);
    metrics.partitions.set(runtimes.size);
    return rt;
  }

  async function initRuntime(rt: PartitionRuntime, consumer: Consumer): Promise<void> {
    rt.processor = new PartitionProcessor(processorOptions(rt.partition), deps.state);
    rt.producer = await newProducer(rt.partition);
    rt.committed = await restore(rt.partition, rt.processor);
    if (rt.committed >= 0n) consumer.seek({ topic: opts.inputTopic, partition: rt.partition, offset: rt.committed.toString() });
  }

  async function dropRuntime(rt: PartitionRuntime): Promise<void> {
    rt.closed = true;
    runtimes.delete(rt.partition);
    metrics.partitions.set(runtimes.size);
    await rt.chain.catch(() => undefined);
    await rt.producer?.disconnect().catch(() => undefined);
  }

  function serial(rt: PartitionRuntime, fn: () => Promise<void>): Promise<void> {
    const next = rt.chain.then(fn);
    rt.chain = next.catch(() => undefined);
    return next;
  }

  /** One transaction: output, changelog writes and (with `nextOffset`) the input offset. */
  async function commit(rt: PartitionRuntime, fx: Effects, nextOffset?: bigint): Promise<void> {
    const changelog: ChangelogWrite[] = [...fx.changelog];
    if (nextOffset !== undefined) changelog.push({ key: OFFSET_KEY, value: nextOffset.toString() });
    if (fx.out.length === 0 && changelog.length === 0) return;
    const lineage = `${opts.inputTopic}/${rt.partition}/`;
    const messages: Array<{
      topic: string;
      key: string | null;
      value: string | null;
      partition?: number;
      headers?: Record<string, string>;
    }> = [
      ...fx.out.map((o) => ({
        topic: o.topic,
        key: o.key,
        value: o.value,
        headers: o.source === undefined ? undefined : { 'vitals-source': lineage + o.source },
      })),
      ...changelog.map((c) => ({ topic: opts.changelogTopic, key: c.key, value: c.value, partition: rt.partition })),
    ];
    const t0 = clock.now();
    const tx = await rt.producer.transaction();
    try {
      // Several sends in one transaction, each well under the broker's maximum request and batch size.
      for (const chunk of chunkBySize(messages, MAX_SEND_BYTES)) {
        const byTopic = new Map<
          string,
          Array<{ key: string | null; value: string | null; partition?: number; headers?: Record<string, string> }>
        >();
        for (const { topic, ...message } of chunk) {
          let list = byTopic.get(topic);
          if (!list) byTopic.set(topic, (list = []));
          list.push(message);
        }
        await tx.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
      }
      if (nextOffset !== undefined) {
        await tx.sendOffsets({
          consumerGroupId: opts.groupId,
          topics: [{ topic: opts.inputTopic, partitions: [{ partition: rt.partition, offset: nextOffset.toString() }] }],
        });
      }
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    if (nextOffset !== undefined) rt.committed = nextOffset;
    metrics.observeCommit(fx, (clock.now() - t0) / 1000);
  }

  /** After a transactional error: everything of the partition is rebuilt from what Kafka committed. */
  async function reset(rt: PartitionRuntime, err: unknown): Promise<void> {
    metrics.transactionFailures.inc();
    log.warn({ err, partition: rt.partition }, 'transaction failed; rebuilding the partition from its changelog');
    await rt.producer.disconnect().catch(() => undefined);
    if (rt.closed) return;
    rt.ready = initRuntime(rt, supervised.current);
    await rt.ready;
  }

  let lastUnconfirmedLog = Number.NEGATIVE_INFINITY;

  /**
   * Waits until the CDC watermark has reached the batch's measured-at times, or their longest hold is over;
   * undefined if the batch is abandoned meanwhile (rebalance, shutdown). Returns how many readings go on
   * unconfirmed, and the time from which a barrier includes the changes the watermark confirmed.
   */
  async function awaitWatermark(
    pending: readonly PendingRecord[],
    abandoned: () => boolean,
  ): Promise<{ unconfirmed: number; barrierNotBefore: number } | undefined> {
    const t0 = clock.now();
    let verdict = batchFreshness(pending, deps.reference.watermarkMs, t0, opts.cdcMaxHoldMs);
    if (!verdict.ready) {
      while (!verdict.ready) {
        if (abandoned()) return undefined;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
        verdict = batchFreshness(pending, deps.reference.watermarkMs, clock.now(), opts.cdcMaxHoldMs);
      }
      metrics.watermarkWait.observe((clock.now() - t0) / 1000);
    }
    if (verdict.unconfirmed === 0)
      return { unconfirmed: 0, barrierNotBefore: deps.reference.confirmedAt(verdict.confirmedThrough) };
    if (clock.now() - lastUnconfirmedLog >= 10_000) {
      lastUnconfirmedLog = clock.now();
      // No heartbeat yet (Kafka Connect down since before the start): the watermark is unknown, not a time.
      const watermark = deps.reference.watermarkMs;
      const known = Number.isFinite(watermark);
      log.warn(
        {
          unconfirmed: verdict.unconfirmed,
          watermark: known ? new Date(watermark).toISOString() : null,
          maxHoldMs: opts.cdcMaxHoldMs,
        },
        known
          ? 'readings joined before the CDC watermark reached their measured-at time (is Kafka Connect running? a device clock ahead?)'
          : 'readings joined after their longest hold without any CDC heartbeat seen yet (is Kafka Connect running?)',
      );
    }
    return { unconfirmed: verdict.unconfirmed, barrierNotBefore: clock.now() };
  }

  function createConsumer(): Consumer {
    const consumer = createCommittedConsumer(kafka, {
      groupId: opts.groupId,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      maxWaitMs: opts.maxWaitMs,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set(e.payload.memberAssignment[opts.inputTopic] ?? []);
      log.info({ partitions: [...assigned].sort((a, b) => a - b) }, 'partitions assigned');
      for (const rt of [...runtimes.values()]) if (!assigned.has(rt.partition)) void dropRuntime(rt);
      for (const p of assigned) if (!runtimes.has(p)) createRuntime(p, consumer);
    });
    return consumer;
  }

  async function runConsumer(consumer: Consumer): Promise<void> {
    await runCommittedConsumer(
      consumer,
      { topic: opts.inputTopic, fromBeginning: opts.fromBeginning },
      async ({ batch, resolveOffset, heartbeat, isStale, isRunning }) => {
        const rt = runtimes.get(batch.partition) ?? createRuntime(batch.partition, consumer);
        // Restores can take a while: keep the group session alive meanwhile.
        await whileBeating(clock, heartbeat, () => rt.ready);
        if (rt.closed || isStale() || !isRunning()) return;
        const records: RawRecord[] = [];
        const pending: PendingRecord[] = [];
        for (const m of batch.messages) {
          // A batch fetched before a restore's seek may start before the stored offset: skip what is committed.
          if (BigInt(m.offset) < rt.committed) continue;
          const value = m.value ? m.value.toString('utf8') : null;
          records.push({ offset: m.offset, key: m.key ? m.key.toString('utf8') : null, value });
          pending.push({ measuredAtMs: measuredAtOf(value), arrivedAtMs: Number(m.timestamp) });
        }
        const next = BigInt(batch.lastOffset()) + 1n;
        if (records.length === 0 && next <= rt.committed) return;
        const fresh = await whileBeating(clock, heartbeat, () =>
          awaitWatermark(pending, () => rt.closed || isStale() || !isRunning()),
        );
        if (!fresh) return;
        let ok = false;
        await serial(rt, async () => {
          if (rt.closed) return;
          try {
            await deps.reference.barrier(fresh.barrierNotBefore);
            const fx = rt.processor.process(records, clock.now());
            await commit(rt, fx, next);
            if (fresh.unconfirmed) metrics.unconfirmedJoins.inc(fresh.unconfirmed);
            ok = true;
          } catch (err) {
            await reset(rt, err).catch((e: unknown) =>
              log.error({ err: e, partition: rt.partition }, 'partition rebuild failed'),
            );
          }
        });
        if (ok) resolveOffset(batch.lastOffset());
        await heartbeat().catch(() => undefined);
      },
    );
  }

  const supervised = await superviseConsumer({
    name: 'enricher',
    clock,
    log,
    create: createConsumer,
    run: runConsumer,
    // The dead consumer's partitions are rebuilt from their changelogs when the new one is assigned them.
    reset: async () => {
      await Promise.all([...runtimes.values()].map((rt) => dropRuntime(rt)));
    },
    onCrashCounted: (restarted) => metrics.consumerCrashes.inc({ restarted }),
    onFatal: deps.onFatal,
    budget: opts.crashBudget,
  });

  const ticker = clock.setInterval(() => {
    for (const rt of runtimes.values()) {
      void serial(rt, async () => {
        if (rt.closed) return;
        try {
          await rt.ready;
          const fx = rt.processor.tick(clock.now());
          await commit(rt, fx);
        } catch (err) {
          await reset(rt, err).catch((e: unknown) => log.error({ err: e, partition: rt.partition }, 'partition rebuild failed'));
        }
      });
    }
    metrics.held.set([...runtimes.values()].reduce((n, rt) => n + rt.processor.heldCount, 0));
  }, opts.tickMs);

  return {
    get assigned() {
      return [...runtimes.keys()].sort((a, b) => a - b);
    },
    async close() {
      clock.clearInterval(ticker);
      await supervised.close();
      await Promise.all([...runtimes.values()].map((rt) => dropRuntime(rt)));
      await admin.disconnect().catch(() => undefined);
    },
  };
}

function readingIdOf(value: Buffer | null): string | undefined {
  if (!value) return undefined;
  try {
    // A raw reading carries its id at the top, an alarm input in its `reading`.
    const v = JSON.parse(value.toString('utf8')) as { readingId?: unknown; reading?: { readingId?: unknown } };
    const id = v.readingId ?? v.reading?.readingId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
