/**
 * Runs the alarm dispatcher: a member of the `DISPATCHER_GROUP_ID` consumer group on the alerts topic
 * (read_committed). Per partition, in order, each record is sent to its receivers until every one answered AA
 * (record-handler.ts); only then is its offset committed to Kafka. A re-send timer sends unanswered high alarms
 * again (escalation), under the same per-partition lock as the records. `close()` stops waiting for receivers
 * (what was not acknowledged is not committed and is sent again after the restart), leaves the group, closes the
 * receiver connections and the pool.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { systemClock, type AlertEvent, type Clock } from '@vitals/shared';
import { createPgPool } from '../db/pool.js';
import { createKafkaClient } from '../kafka/client.js';
import { createCommittedConsumer, runCommittedConsumer, whileBeating } from '../kafka/committed-consumer.js';
import { exitNonZero, superviseConsumer, type SupervisedConsumer } from '../kafka/consumer-supervisor.js';
import { createLogger, type Logger } from '../logging.js';
import { createAlarmSender } from './alarm-sender.js';
import type { DispatcherConfig } from './config.js';
import { createStopSignal } from './delivery.js';
import { backoffMs } from './domain/backoff.js';
import { dueResend } from './domain/dispatch-plan.js';
import { DispatcherErrors } from './errors.js';
import { createDispatcherMetrics } from './metrics.js';
import { createPartitionLocks } from './partition-locks.js';
import { handleAlertRecord, resendEscalation, type HandlerDeps } from './record-handler.js';
import { createEscalationStore } from './store/escalations.js';
import { createContextLookup, createReceiverDirectory } from './store/receivers.js';
import { startStatusServer } from './status-server.js';
import { createMetricsRegistry } from '../http/metrics.js';

export interface RunningDispatcher {
  /** Partitions this instance holds now. */
  readonly assigned: readonly number[];
  /** `http(s)://127.0.0.1:<port>` of health, readiness, metrics and status. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface DispatcherOptions {
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly onFatal?: (err: Error) => void;
  /** Every record handled (event, receivers that acknowledged it), for latency measurements. */
  readonly onHandled?: (event: AlertEvent, receivers: number) => void;
}

export async function startAlarmDispatcher(config: DispatcherConfig, o: DispatcherOptions = {}): Promise<RunningDispatcher> {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? createLogger({ level: config.logLevel, name: 'alarm-dispatcher' });
  const signal = createStopSignal(clock);
  const registry = createMetricsRegistry({ service: 'alarm-dispatcher' });
  const metrics = createDispatcherMetrics(registry);
  const backoff = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };
  const pool = createPgPool(
    {
      url: config.databaseUrl,
      max: config.pgPoolMax,
      connectTimeoutMs: config.pgConnectTimeoutMs,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      applicationName: 'vitals-alarm-dispatcher',
    },
    log,
  );
  const sender = createAlarmSender({
    clock,
    log,
    receivers: createReceiverDirectory(pool, { refreshMs: config.receiversRefreshMs, clock }),
    context: createContextLookup(pool),
    delivery: {
      log,
      signal,
      backoff,
      onRetry: (err) => metrics.retried((err as { code?: string }).code ?? 'UNKNOWN'),
    },
    mllp: { connectTimeoutMs: config.connectTimeoutMs, ackTimeoutMs: config.ackTimeoutMs },
    facility: config.facility,
  });
  const escalations = createEscalationStore(pool, { groupId: config.groupId, topic: config.inputTopic });
  const handlerDeps: HandlerDeps = {
    clock,
    log,
    sender,
    escalations,
    metrics,
    ...(o.onHandled ? { onHandled: o.onHandled } : {}),
  };
  const locks = createPartitionLocks();
  const kafka = createKafkaClient(
    {
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-alarm-dispatcher`,
      connectTimeoutMs: config.kafkaConnectTimeoutMs,
      requestTimeoutMs: config.kafkaRequestTimeoutMs,
    },
    log,
  );
  let assignment: number[] = [];

  /**
   * Retries work that failed outside the delivery (PostgreSQL down) until it succeeds, the dispatcher stops or the
   * partition is no longer ours (`abandoned`: the new owner sends the record, with the same control ids).
   */
  async function persist(what: string, work: () => Promise<void>, abandoned: () => boolean): Promise<boolean> {
    for (let attempt = 1; !signal.stopped && !abandoned(); attempt++) {
      try {
        await work();
        return true;
      } catch (err) {
        if (signal.stopped || abandoned()) return false;
        const waitMs = backoffMs(attempt, backoff);
        log.error({ err, attempt, retryInMs: waitMs }, `${what} failed; trying again`);
        await signal.sleep(waitMs);
      }
    }
    return false;
  }

  function createConsumer(): Consumer {
    const consumer = createCommittedConsumer(kafka, {
      groupId: config.groupId,
      sessionTimeoutMs: config.sessionTimeoutMs,
      maxWaitMs: config.fetchWaitMs,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assignment = [...(e.payload.memberAssignment[config.inputTopic] ?? [])].sort((a, b) => a - b);
      metrics.partitions.set(assignment.length);
      log.info({ partitions: assignment }, 'partitions assigned');
    });
    return consumer;
  }

  async function runConsumer(consumer: Consumer): Promise<void> {
    await runCommittedConsumer(
      consumer,
      { topic: config.inputTopic, fromBeginning: config.fromBeginning },
      async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        const { partition } = batch;
        const commit = (next: bigint) =>
          consumer.commitOffsets([{ topic: config.inputTopic, partition, offset: next.toString() }]);
        const abandoned = () => !isRunning() || isStale();
        for (const m of batch.messages) {
          if (signal.stopped || abandoned()) return;
          const rec = {
            partition,
            offset: m.offset,
            value: m.value ? m.value.toString('utf8') : null,
            timestampMs: Number(m.timestamp),
          };
          const done = await whileBeating(clock, heartbeat, () =>
            locks.run(partition, () =>
              persist(`dispatching ${partition}/${m.offset}`, () => handleAlertRecord(rec, handlerDeps, abandoned), abandoned),
            ),
          );
          if (!done) return;
          resolveOffset(m.offset);
          // The receivers acknowledged: this record is done; only now does the group's offset move past it.
          await commit(BigInt(m.offset) + 1n);
        }
        // Transaction markers after the last record: move past them too.
        const last = BigInt(batch.lastOffset());
        const lastMessage = batch.messages.at(-1);
        if (!signal.stopped && !abandoned() && (!lastMessage || BigInt(lastMessage.offset) < last)) {
          resolveOffset(last.toString());
          await commit(last + 1n);
        }
      },
    );
  }

  /** Re-sends due for the held partitions, each under its partition's lock, re-read there (it may have cleared). */
  async function tickEscalations(): Promise<void> {
    if (config.escalationDelayMs <= 0 || signal.stopped) return;
    const armed = await escalations.list(assignment, config.escalationMaxResends);
    metrics.armed.set(armed.length);
    for (const esc of armed) {
      const settings = { delayMs: config.escalationDelayMs, maxResends: config.escalationMaxResends };
      if (dueResend({ ...settings, highSinceMs: esc.highSinceMs, sent: esc.resends, nowMs: clock.now() }) === undefined) continue;
      await locks.run(esc.partition, async () => {
        const current = await escalations.get(esc.alertId);
        if (!current || !assignment.includes(current.partition) || signal.stopped) return;
        const k = dueResend({ ...settings, highSinceMs: current.highSinceMs, sent: current.resends, nowMs: clock.now() });
        if (k !== undefined)
          await resendEscalation(current, k, handlerDeps, () => signal.stopped || !assignment.includes(current.partition));
      });
    }
  }

  let ticking: Promise<void> | undefined;
  const ticker = clock.setInterval(() => {
    if (ticking) return;
    ticking = tickEscalations()
      .catch((err: unknown) => {
        if (!signal.stopped) log.warn({ err }, 'looking for due re-sends failed; next tick tries again');
      })
      .finally(() => (ticking = undefined));
  }, config.escalationTickMs);

  let supervised: SupervisedConsumer;
  let server: Awaited<ReturnType<typeof startStatusServer>> | undefined;
  const admin = kafka.admin();
  try {
    server = await startStatusServer({
      port: config.port,
      tls: { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile },
      registry,
      checks: {
        postgres: async () => {
          await pool.query('SELECT 1');
        },
      },
      status: () => ({ groupId: config.groupId, topic: config.inputTopic, partitions: assignment, stopping: signal.stopped }),
    });
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(config.inputTopic)) throw DispatcherErrors.DISPATCHER_ERR_TOPIC_MISSING(config.inputTopic);
    await admin.disconnect();
    supervised = await superviseConsumer({
      name: 'alarm-dispatcher',
      clock,
      log,
      create: createConsumer,
      run: runConsumer,
      reset: async () => {
        assignment = [];
      },
      onCrashCounted: () => undefined,
      onFatal: o.onFatal ?? exitNonZero,
    });
  } catch (err) {
    clock.clearInterval(ticker);
    await admin.disconnect().catch(() => undefined);
    await server?.app.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw err;
  }
  const { app, url, port } = server;
  log.info({ groupId: config.groupId, topic: config.inputTopic, port }, 'alarm dispatcher started');

  return {
    get assigned() {
      return assignment;
    },
    url,
    port,
    async close() {
      signal.stop();
      clock.clearInterval(ticker);
      // Wakes the deliveries waiting for an ACK: they end unacknowledged, so their records stay uncommitted.
      await sender.close();
      await supervised.close();
      await ticking;
      await app.close().catch((err: unknown) => log.warn({ err }, 'closing the status server failed'));
      await pool.end().catch((err: unknown) => log.warn({ err }, 'closing the pool failed'));
      log.info('alarm dispatcher stopped');
    },
  };
}
