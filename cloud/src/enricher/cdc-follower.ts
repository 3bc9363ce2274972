/**
 * Follows the Debezium topics of the reference tables into a ReferenceState. Every enricher instance reads
 * every partition (a consumer group of its own), so the state is global, like a Kafka Streams global table.
 * `bootstrap()` resolves once the topics are read to the end they had at start; `barrier()` resolves once the
 * state includes every change that was in Kafka when it was called, so a batch of readings is never joined
 * with reference data older than what Kafka already holds.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { cdcTopic, decodeChangeEvent, waitFor, type CdcTable, type Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { topicBounds } from '../kafka/partition-reader.js';
import type { ReferenceState } from './reference-state.js';

export const ENRICHER_CDC_TABLES: readonly CdcTable[] = [
  'customers',
  'departments',
  'beds',
  'patients',
  'devices',
  'device_assignments',
  'alert_thresholds',
];

export interface CdcFollowerOptions {
  readonly groupPrefix: string;
  readonly topicPrefix?: string;
  /** How long a fetched set of end offsets may be reused by barriers. */
  readonly barrierCacheMs: number;
  readonly bootstrapTimeoutMs: number;
  /** Assignment and rule history kept for late readings. */
  readonly historyMs: number;
}

export interface CdcFollower {
  bootstrap(): Promise<void>;
  barrier(): Promise<void>;
  readonly events: number;
  readonly problems: number;
  close(): Promise<void>;
}

export async function startCdcFollower(
  kafka: Kafka,
  state: ReferenceState,
  opts: CdcFollowerOptions,
  deps: { log: Logger; clock: Clock },
): Promise<CdcFollower> {
  const topics = ENRICHER_CDC_TABLES.map((t) => ({ table: t, topic: cdcTopic(t, 'public', opts.topicPrefix) }));
  const tableOf = new Map(topics.map((t) => [t.topic, t.table]));
  const position = new Map<string, bigint>();
  const posKey = (topic: string, partition: number) => `${topic}/${partition}`;
  let events = 0;
  let problems = 0;
  let cachedEnds: { at: number; ends: Map<string, bigint> } | undefined;
  let inFlight: Promise<Map<string, bigint>> | undefined;

  const consumer: Consumer = kafka.consumer({
    groupId: `${opts.groupPrefix}-reference-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
    retry: { retries: 10 },
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const { topic, partition, lastOffset } = e.payload;
    const next = BigInt(lastOffset) + 1n;
    const k = posKey(topic, partition);
    if (next > (position.get(k) ?? -1n)) position.set(k, next);
  });
  const admin = kafka.admin();
  await admin.connect();
  await consumer.connect();
  for (const { topic } of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const table = tableOf.get(batch.topic);
      if (!table) return;
      for (const m of batch.messages) {
        const result = state.apply(table, decodeChangeEvent(m.key, m.value));
        events++;
        if (result.problem) {
          problems++;
          deps.log.warn({ topic: batch.topic, offset: m.offset, problem: result.problem }, 'reference change not applied');
        }
      }
    },
  });

  /** End offsets of every reference topic; one request set in flight at a time, reused for a short while. */
  async function endOffsets(): Promise<Map<string, bigint>> {
    const now = deps.clock.now();
    if (cachedEnds && now - cachedEnds.at < opts.barrierCacheMs) return cachedEnds.ends;
    inFlight ??= (async () => {
      try {
        const ends = new Map<string, bigint>();
        const bounds = await Promise.all(topics.map(async ({ topic }) => [topic, await topicBounds(admin, topic)] as const));
        for (const [topic, byPartition] of bounds)
          for (const [partition, b] of byPartition) ends.set(posKey(topic, partition), b.high);
        cachedEnds = { at: now, ends };
        return ends;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  async function caughtUp(ends: Map<string, bigint>, timeoutMs: number, what: string): Promise<void> {
    // An empty partition (end 0) needs nothing; otherwise our position must reach the end.
    const behind = () => [...ends].filter(([k, end]) => end > 0n && (position.get(k) ?? 0n) < end);
    if (behind().length === 0) return;
    deps.log.debug({ behind: behind().map(([k, e]) => `${k}:${position.get(k)}<${e}`) }, 'waiting for reference changes');
    await waitFor(() => behind().length === 0, { timeoutMs, intervalMs: 5, what });
  }

  const pruneTimer = deps.clock.setInterval(() => {
    const pruned = state.prune(deps.clock.now() - opts.historyMs);
    if (pruned.assignments || pruned.ruleVersions) deps.log.debug(pruned, 'pruned reference history');
  }, 60_000);

  return {
    async bootstrap() {
      cachedEnds = undefined;
      await caughtUp(await endOffsets(), opts.bootstrapTimeoutMs, 'reference topics to be read to their end');
      deps.log.info({ events, sizes: state.sizes }, 'reference state bootstrapped');
    },
    async barrier() {
      await caughtUp(await endOffsets(), opts.bootstrapTimeoutMs, 'reference changes already in Kafka');
    },
    get events() {
      return events;
    },
    get problems() {
      return problems;
    },
    async close() {
      deps.clock.clearInterval(pruneTimer);
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
