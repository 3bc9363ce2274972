/**
 * The analytics consumer: kafkajs, read_committed, in one consumer group with the other instances. kafkajs has
 * no rebalance callbacks, so the assignment comes from the GROUP_JOIN event: each newly assigned partition gets
 * a task built from the position stored in PostgreSQL, and the consumer seeks there (Kafka's group offsets are
 * only informational: written after the PostgreSQL commit, for lag monitoring). A fetched batch is split into
 * steps of at most `maxBatchRecords`, each one PostgreSQL transaction. After any failed step the partition is
 * rebuilt from the store and re-read from its stored offset; a commit by another owner is refused by the
 * store's compare-and-set, so nothing is counted twice. A timer ticks every task (idle watermarks).
 */
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { createCommittedConsumer, runCommittedConsumer, whileBeating } from '../../kafka/committed-consumer.js';
import { superviseConsumer, type CrashBudget } from '../../kafka/consumer-supervisor.js';
import type { Logger } from '../../logging.js';
import type { InputRecord } from '../engine/partition-engine.js';
import { openPartitionTask, type PartitionTaskDeps } from '../engine/partition-task.js';
import type { PartitionPosition } from '../sink/ports.js';
import type { WatermarkSettings } from '../engine/watermark.js';
import type { WindowQuery } from '../queries/compile.js';

export interface RunnerOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly queries: readonly WindowQuery[];
  readonly settings: WatermarkSettings;
  readonly maxBatchRecords: number;
  readonly fetchWaitMs: number;
  readonly sessionTimeoutMs: number;
  readonly fromBeginning: boolean;
  readonly tickMs: number;
  /** How many consumer crashes are restarted before the service gives up (default 5 within 5 min). */
  readonly crashBudget?: CrashBudget;
}

/**
 * What the runner drives per partition: the window engine (`PartitionTask`), or with the Flink engine the
 * applier of the job's window rows. Steps run one at a time; a failed step leaves the task to be rebuilt.
 */
export interface StreamTask {
  readonly position: PartitionPosition;
  /** Processes `records` and commits `nextOffset` with their outcome; false when the task was closed first. */
  runBatch(records: readonly InputRecord[], nextOffset: bigint): Promise<boolean>;
  /** Work on the clock (idle watermarks). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export interface RunnerDeps extends PartitionTaskDeps {
  /** Builds a partition's task from its stored position (default: the window engine of `queries`). */
  readonly openTask?: (partition: number, initialOffset: () => Promise<bigint>) => Promise<StreamTask>;
  readonly kafka: Kafka;
  readonly log: Logger;
  /** A partition was rebuilt after a failure (`fenced`: another owner had committed it). */
  readonly onReload?: (partition: number, fenced: boolean) => void;
  readonly onAssignment?: (partitions: readonly number[]) => void;
  /** The consumer crashed (`restarted`: by kafkajs, by the supervisor, or gave up). */
  readonly onConsumerCrash?: (restarted: 'kafkajs' | 'supervisor' | 'gave-up') => void;
  /** The consumer crashed beyond its budget: the service must stop and exit non-zero. */
  readonly onFatal: (err: Error) => void;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly ready: boolean;
  readonly nextOffset: string | null;
  readonly watermark: string | null;
}

export interface Runner {
  readonly assigned: readonly number[];
  status(): PartitionStatus[];
  close(): Promise<void>;
}

interface Runtime {
  readonly partition: number;
  task: StreamTask | undefined;
  ready: Promise<void>;
  closed: boolean;
  /** Next offset last written to the group's Kafka offsets (informational). */
  reported: bigint;
}

export async function startConsumerRunner(o: RunnerOptions, deps: RunnerDeps): Promise<Runner> {
  const { kafka, clock } = deps;
  const log = deps.log.child({ component: 'analytics-runner' });
  const runtimes = new Map<number, Runtime>();
  const admin: Admin = kafka.admin();
  await admin.connect();
  let running = true;
  /** Partitions of the last assignment: a batch of any other (fetched before a rebalance) is not ours to process. */
  let assignment = new Set<number>();

  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

  async function initialOffset(partition: number): Promise<bigint> {
    const offsets = await admin.fetchTopicOffsets(o.topic);
    const p = offsets.find((x) => x.partition === partition);
    if (!p) throw new Error(`partition ${partition} of ${o.topic} not found`);
    return BigInt(o.fromBeginning ? p.low : p.high);
  }

  /** Builds the task from the stored position and seeks there; retried with backoff until it works or the partition goes. */
  async function open(rt: Runtime, consumer: Consumer): Promise<void> {
    for (let attempt = 0; !rt.closed && running; attempt++) {
      try {
        const t0 = clock.now();
        const initial = () => initialOffset(rt.partition);
        const task = deps.openTask
          ? await deps.openTask(rt.partition, initial)
          : await openPartitionTask(rt.partition, o.queries, o.settings, deps, initial);
        if (rt.closed) return;
        rt.task = task;
        consumer.seek({ topic: o.topic, partition: rt.partition, offset: task.position.nextOffset.toString() });
        log.info(
          {
            partition: rt.partition,
            nextOffset: task.position.nextOffset.toString(),
            watermark:
              task.position.eventTime.watermark === null ? null : new Date(task.position.eventTime.watermark).toISOString(),
            ms: clock.now() - t0,
          },
          'partition opened',
        );
        return;
      } catch (err) {
        log.warn({ err, partition: rt.partition, attempt }, 'opening the partition failed; retrying');
        await sleep(Math.min(5_000, 200 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  function createRuntime(partition: number, consumer: Consumer): Runtime {
    const rt: Runtime = { partition, task: undefined, ready: Promise.resolve(), closed: false, reported: -1n };
    rt.ready = open(rt, consumer);
    runtimes.set(partition, rt);
    return rt;
  }

  async function dropRuntime(rt: Runtime): Promise<void> {
    rt.closed = true;
    runtimes.delete(rt.partition);
    await rt.ready.catch(() => undefined);
    await rt.task?.close();
  }

  /** After a failed step of `failed`: the task goes, a new one is built from what the store committed. */
  async function reload(rt: Runtime, failed: StreamTask, err: unknown): Promise<void> {
    if (rt.task !== failed) return rt.ready; // already rebuilt (or being rebuilt)
    const fenced = (err as { code?: string }).code === 'ANALYTICS_ERR_PARTITION_FENCED';
    deps.onReload?.(rt.partition, fenced);
    log.warn(
      { err, partition: rt.partition },
      fenced ? 'partition committed elsewhere; reloading it' : 'step failed; reloading the partition',
    );
    const old = rt.task;
    rt.task = undefined;
    await old?.close();
    if (rt.closed) return;
    rt.ready = open(rt, supervised.current);
    await rt.ready;
  }

  const toRecord = (m: KafkaMessage): InputRecord => ({
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ? m.value.toString('utf8') : null,
  });

  function createConsumer(): Consumer {
    const consumer = createCommittedConsumer(kafka, {
      groupId: o.groupId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      maxWaitMs: o.fetchWaitMs,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set(e.payload.memberAssignment[o.topic] ?? []);
      assignment = assigned;
      const sorted = [...assigned].sort((a, b) => a - b);
      log.info({ partitions: sorted }, 'partitions assigned');
      for (const rt of [...runtimes.values()]) if (!assigned.has(rt.partition)) void dropRuntime(rt);
      for (const p of sorted) if (!runtimes.has(p)) createRuntime(p, consumer);
      deps.onAssignment?.(sorted);
    });
    return consumer;
  }

  async function runConsumer(consumer: Consumer): Promise<void> {
    await runCommittedConsumer(
      consumer,
      { topic: o.topic, fromBeginning: o.fromBeginning },
      async ({ batch, resolveOffset, heartbeat, isStale, isRunning }) => {
        if (!assignment.has(batch.partition)) return;
        const rt = runtimes.get(batch.partition) ?? createRuntime(batch.partition, consumer);
        await whileBeating(clock, heartbeat, () => rt.ready);
        const task = rt.task;
        if (!task || rt.closed || isStale() || !isRunning()) return;
        // A batch fetched before the seek may start before the stored offset: what is below it is committed.
        const from = task.position.nextOffset;
        const fresh = batch.messages.filter((m) => BigInt(m.offset) >= from);
        const last = BigInt(batch.lastOffset());
        // Steps of at most maxBatchRecords; with no fresh record, one empty step still stores the offset past trailing markers.
        for (let i = 0; i < fresh.length || (i === 0 && last + 1n > from); i += o.maxBatchRecords) {
          const chunk = fresh.slice(i, i + o.maxBatchRecords);
          const end = i + o.maxBatchRecords >= fresh.length;
          // The last step also covers what follows the last record (transaction markers).
          const next = end ? last + 1n : BigInt(chunk[chunk.length - 1]!.offset) + 1n;
          try {
            if (!(await task.runBatch(chunk.map(toRecord), next))) return;
          } catch (err) {
            await reload(rt, task, err);
            return;
          }
          resolveOffset((next - 1n).toString());
          await heartbeat().catch(() => undefined);
          if (rt.closed || isStale() || !isRunning()) return;
        }
      },
    );
  }

  const supervised = await superviseConsumer({
    name: 'analytics',
    clock,
    log,
    create: createConsumer,
    run: runConsumer,
    // The dead consumer's partitions are reopened from their stored positions when the new one is assigned them.
    reset: async () => {
      assignment = new Set();
      await Promise.all([...runtimes.values()].map((rt) => dropRuntime(rt)));
    },
    onCrashCounted: (restarted) => deps.onConsumerCrash?.(restarted),
    onFatal: deps.onFatal,
    budget: o.crashBudget,
  });

  const ticker = clock.setInterval(() => {
    const commits: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const rt of runtimes.values()) {
      const task = rt.task;
      if (!task || rt.closed) continue;
      void task.tick().catch((err: unknown) => reload(rt, task, err).catch(() => undefined));
      if (task.position.nextOffset !== rt.reported) {
        rt.reported = task.position.nextOffset;
        commits.push({ topic: o.topic, partition: rt.partition, offset: task.position.nextOffset.toString() });
      }
    }
    if (commits.length > 0) void supervised.current.commitOffsets(commits).catch(() => undefined);
  }, o.tickMs);

  return {
    get assigned() {
      return [...runtimes.keys()].sort((a, b) => a - b);
    },
    status() {
      return [...runtimes.values()]
        .sort((a, b) => a.partition - b.partition)
        .map((rt) => {
          const p = rt.task?.position;
          return {
            partition: rt.partition,
            ready: rt.task !== undefined,
            nextOffset: p ? p.nextOffset.toString() : null,
            watermark: p && p.eventTime.watermark !== null ? new Date(p.eventTime.watermark).toISOString() : null,
          };
        });
    },
    async close() {
      running = false;
      clock.clearInterval(ticker);
      await supervised.close();
      await Promise.all([...runtimes.values()].map((rt) => dropRuntime(rt)));
      await admin.disconnect().catch(() => undefined);
    },
  };
}
