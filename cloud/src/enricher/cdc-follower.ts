/**
 * Follows the Debezium topics of the reference tables into a ReferenceState. Every enricher instance reads
 * every partition (a consumer group of its own), so the state is global, like a Kafka Streams global table.
 * `bootstrap()` resolves once the topics are read to the end they had at start; `barrier()` resolves once the
 * state includes every change that was in Kafka when it was called, so a batch of readings is never joined
 * with reference data older than what Kafka already holds. It also follows the heartbeat row (migration V8):
 * `watermarkMs` is the `beat_at` of the last heartbeat applied, the time up to which the reference state is
 * complete (see cdc-watermark.ts). A record the state refuses is logged, counted and, given `deadLetters`, sent to
 * reference-dlq with the reason.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { cdcTopic, decodeChangeEvent, waitFor, type CdcTable, type ChangeEvent, type Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { topicBounds } from '../kafka/partition-reader.js';
import { referenceDeadLetter, type ReferenceDeadLetter, type ReferenceDeadLetters } from './reference-dead-letters.js';
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
  /** Resolves once the state includes every change in Kafka at `notBeforeMs` (default: a moment ago) or later. */
  barrier(notBeforeMs?: number): Promise<void>;
  /** `beat_at` of the last heartbeat applied (epoch ms); -Infinity before the first. */
  readonly watermarkMs: number;
  /**
   * When the first heartbeat with `beat_at >= t` was applied (the oldest one remembered, if that is too long
   * ago to say; now, if none has been yet; -Infinity for t = -Infinity): a barrier not before this time
   * includes every reference change committed before `t`, in whichever topic it travelled.
   */
  confirmedAt(t: number): number;
  /** Resolves true once a heartbeat has been applied, or false after `timeoutMs` without one. */
  firstBeat(timeoutMs: number): Promise<boolean>;
  readonly events: number;
  readonly problems: number;
  close(): Promise<void>;
}

export async function startCdcFollower(
  kafka: Kafka,
  state: ReferenceState,
  opts: CdcFollowerOptions,
  deps: { log: Logger; clock: Clock; deadLetters?: ReferenceDeadLetters },
): Promise<CdcFollower> {
  const topics = ENRICHER_CDC_TABLES.map((t) => ({ table: t, topic: cdcTopic(t, 'public', opts.topicPrefix) }));
  const tableOf = new Map(topics.map((t) => [t.topic, t.table]));
  const heartbeatTopic = cdcTopic('cdc_heartbeat', 'public', opts.topicPrefix);
  let watermarkMs = Number.NEGATIVE_INFINITY;
  /** Recent heartbeats, rising in both fields. */
  const beats: Array<{ beat: number; appliedAt: number }> = [];
  /** Waiting for the first heartbeat (firstBeat). */
  let beatWaiters: Array<() => void> = [];
  const position = new Map<string, bigint>();
  const posKey = (topic: string, partition: number) => `${topic}/${partition}`;
  let events = 0;
  let problems = 0;
  let cachedEnds: { at: number; ends: Map<string, bigint> } | undefined;
  let inFlight: { at: number; ends: Promise<Map<string, bigint>> } | undefined;

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
  // The heartbeat topic exists once the stack is migrated to V8 and Debezium has beaten once; only the latest
  // beat matters.
  await consumer.subscribe({ topic: heartbeatTopic, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (batch.topic === heartbeatTopic) {
        for (const m of batch.messages) {
          const beat = beatOf(decodeChangeEvent(m.key, m.value));
          if (beat === undefined || beat <= watermarkMs) continue;
          watermarkMs = beat;
          beats.push({ beat, appliedAt: deps.clock.now() });
          for (const wake of beatWaiters.splice(0)) wake();
          if (beats.length > 1_024) beats.splice(0, 512);
        }
        return;
      }
      const table = tableOf.get(batch.topic);
      if (!table) return;
      const letters: ReferenceDeadLetter[] = [];
      for (const m of batch.messages) {
        const result = state.apply(table, decodeChangeEvent(m.key, m.value));
        events++;
        if (result.problem) {
          problems++;
          deps.log.warn({ topic: batch.topic, offset: m.offset, problem: result.problem }, 'reference change not applied');
          const source = { topic: batch.topic, partition: batch.partition, offset: m.offset };
          letters.push(referenceDeadLetter(source, m.value, result.problem, deps.clock.now()));
        }
      }
      if (deps.deadLetters) await deps.deadLetters.send(letters);
    },
  });

  /**
   * End offsets of every reference topic, asked at `notBeforeMs` or later; requests in flight are shared and
   * answers reused for a short while.
   */
  async function endOffsets(notBeforeMs: number): Promise<Map<string, bigint>> {
    const now = deps.clock.now();
    if (cachedEnds && now - cachedEnds.at < opts.barrierCacheMs && cachedEnds.at >= notBeforeMs) return cachedEnds.ends;
    if (inFlight && inFlight.at >= notBeforeMs) return inFlight.ends;
    const request = { at: now, ends: fetchEnds(now) };
    inFlight = request;
    void request.ends
      .finally(() => {
        if (inFlight === request) inFlight = undefined;
      })
      .catch(() => undefined);
    return request.ends;
  }

  async function fetchEnds(at: number): Promise<Map<string, bigint>> {
    const ends = new Map<string, bigint>();
    const bounds = await Promise.all(topics.map(async ({ topic }) => [topic, await topicBounds(admin, topic)] as const));
    for (const [topic, byPartition] of bounds)
      for (const [partition, b] of byPartition) ends.set(posKey(topic, partition), b.high);
    if (!cachedEnds || cachedEnds.at <= at) cachedEnds = { at, ends };
    return ends;
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
      await caughtUp(await endOffsets(deps.clock.now()), opts.bootstrapTimeoutMs, 'reference topics to be read to their end');
      deps.log.info({ events, sizes: state.sizes }, 'reference state bootstrapped');
    },
    async barrier(notBeforeMs = Number.NEGATIVE_INFINITY) {
      await caughtUp(await endOffsets(notBeforeMs), opts.bootstrapTimeoutMs, 'reference changes already in Kafka');
    },
    get watermarkMs() {
      return watermarkMs;
    },
    confirmedAt(t) {
      // Nothing to confirm: no barrier time is needed.
      if (t === Number.NEGATIVE_INFINITY) return t;
      let lo = 0;
      let hi = beats.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (beats[mid]!.beat >= t) hi = mid;
        else lo = mid + 1;
      }
      // Not confirmed yet: only a barrier from now on includes what Kafka has.
      return lo === beats.length ? deps.clock.now() : beats[lo]!.appliedAt;
    },
    firstBeat(timeoutMs) {
      if (Number.isFinite(watermarkMs)) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const wake = () => {
          deps.clock.clearTimeout(timer);
          resolve(true);
        };
        const timer = deps.clock.setTimeout(() => {
          beatWaiters = beatWaiters.filter((w) => w !== wake);
          resolve(false);
        }, timeoutMs);
        beatWaiters.push(wake);
      });
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

/** `beat_at` of a heartbeat row's change event, or undefined for anything else. */
function beatOf(event: ChangeEvent<Record<string, unknown>>): number | undefined {
  if (event.kind !== 'upsert') return undefined;
  const at = event.row.beat_at;
  const t = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}
