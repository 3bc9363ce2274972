/**
 * Alarm dispatcher benchmark: alarm-to-receiver latency, from the moment an AlertEvent is handed to the Kafka
 * producer (acks=all) on the alerts topic until the receiver has the ORU^R40 (the dispatcher then still waits for
 * its ACK and commits the offset). One alarm at a time (start, then end of each episode), the dispatcher in this
 * process, real Kafka, PostgreSQL (temporary database) and an MLLP receiver on loopback. Baseline in the same
 * run: a raw MLLP round trip (an ORU^R40 framed, sent, ACK received) by the dispatcher's own client to the same
 * receiver, without Kafka, PostgreSQL or the offset commit; and, in the notes, Kafka alone (produce acks=all to a
 * plain consumer), so what the dispatcher adds is the difference.
 */
import pino from 'pino';
import { encodeAlertReport, systemClock, waitFor } from '@vitals/shared';
import { loadDispatcherConfig } from '../cloud/src/alarm-dispatcher/config.js';
import { createMllpClient } from '../cloud/src/alarm-dispatcher/mllp/mllp-client.js';
import { createCommittedConsumer } from '../cloud/src/kafka/committed-consumer.js';
import { startAlarmDispatcher } from '../cloud/src/alarm-dispatcher/service.js';
import { startAlarmReceiver } from '../cloud/test/support/alarm-receiver.js';
import { createAlarmWorld, dispatcherEnv, episode } from '../cloud/test/support/alarm-world.js';
import { createTopic, testStackConfig } from '@vitals/stack/testing';
import { percentile, type Benchmark } from './harness.js';

const EPISODES = 150;
const RAW_ROUND_TRIPS = 1_000;
const KAFKA_ROUND_TRIPS = 200;

const alarmDispatcher: Benchmark = async () => {
  const log = pino({ level: 'silent' });
  const world = await createAlarmWorld();
  const receiver = await startAlarmReceiver();
  const cleanups: Array<() => Promise<unknown>> = [() => world.close(), () => receiver.close()];
  try {
    await world.addReceiver(receiver.port);
    const dispatcher = await startAlarmDispatcher(
      loadDispatcherConfig(dispatcherEnv(world, { DISPATCHER_ESCALATION_DELAY: '0', LOG_LEVEL: 'silent' })),
      { log },
    );
    cleanups.unshift(() => dispatcher.close());

    let waiting: { controlPhase: string; alertId: string; resolve: () => void } | undefined;
    receiver.onArrival = (a) => {
      if (waiting && a.report.alertId === waiting.alertId && a.report.phase === waiting.controlPhase) waiting.resolve();
    };
    let produced = 0n;
    const oneWay = async (ev: ReturnType<typeof episode>[number], phase: string): Promise<number> => {
      const arrived = new Promise<void>((resolve) => (waiting = { controlPhase: phase, alertId: ev.alertId, resolve }));
      const t0 = performance.now();
      await world.produce([ev]);
      await arrived;
      const ms = performance.now() - t0;
      // The next alarm starts once this one is committed, so no figure carries the previous one's ACK and commit.
      produced += 1n;
      await waitFor(async () => (await world.committed()) >= produced, { timeoutMs: 30_000, intervalMs: 5, what: 'the commit' });
      return ms;
    };

    // Warm-up: the group joins, the receiver connection opens, the lookups are cached.
    const [warmRaise, warmClear] = episode(world, [
      { kind: 'raise', priority: 'medium', value: 125 },
      { kind: 'clear', priority: 'medium', value: 80 },
    ]);
    await oneWay(warmRaise!, 'start');
    await oneWay(warmClear!, 'end');

    const latencies: number[] = [];
    for (let i = 0; i < EPISODES; i++) {
      const [raise, clear] = episode(world, [
        { kind: 'raise', priority: 'medium', value: 125 + (i % 10) },
        { kind: 'clear', priority: 'medium', value: 80 },
      ]);
      latencies.push(await oneWay(raise!, 'start'));
      latencies.push(await oneWay(clear!, 'end'));
    }

    const client = createMllpClient(
      { name: 'bench', host: '127.0.0.1', port: receiver.port },
      { connectTimeoutMs: 3_000, ackTimeoutMs: 10_000 },
      { clock: systemClock, log },
    );
    cleanups.unshift(() => client.close());
    const raw: number[] = [];
    for (let i = 0; i < RAW_ROUND_TRIPS + 50; i++) {
      const controlId = `raw-${i}`;
      const text = encodeAlertReport({
        controlId,
        messageTimeMs: Date.now(),
        alertId: `raw-${i}`,
        phase: 'start',
        priority: 'medium',
        category: 'physiological',
        condition: 'high',
        eventTimeMs: Date.now(),
        patient: { id: world.patientId, mrn: world.mrn },
        location: { pointOfCare: 'ICU', bed: 'Bed 3' },
        deviceId: 'MON-BENCH',
        observation: { metric: 'heart_rate', value: 125, observedAtMs: Date.now() },
      });
      const t0 = performance.now();
      const ack = await client.exchange(text, controlId);
      if (ack.code !== 'AA') throw new Error(`raw round trip answered ${ack.code}`);
      if (i >= 50) raw.push(performance.now() - t0);
    }

    // The part underneath on the Kafka side, same run: produce (acks=all) to a plain consumer, no dispatcher.
    const kafkaTopic = `${world.topic}-raw`;
    const dropKafkaTopic = await createTopic(testStackConfig().kafkaBrokers, kafkaTopic, 1);
    cleanups.unshift(dropKafkaTopic);
    // The dispatcher's own consumer settings (read_committed, 100 ms fetch wait), without the dispatcher.
    const consumer = createCommittedConsumer(world.kafka, {
      groupId: `${kafkaTopic}-g`,
      sessionTimeoutMs: 30_000,
      maxWaitMs: 100,
    });
    cleanups.unshift(() => consumer.disconnect());
    let got: (() => void) | undefined;
    await consumer.connect();
    await consumer.subscribe({ topic: kafkaTopic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ autoCommit: false, eachMessage: async () => got?.() });
    await joined;
    const kafkaRoundTrips: number[] = [];
    for (let i = 0; i < KAFKA_ROUND_TRIPS + 10; i++) {
      const arrived = new Promise<void>((resolve) => (got = resolve));
      const t0 = performance.now();
      await world.producer.send({ topic: kafkaTopic, acks: -1, messages: [{ key: 'k', value: String(i) }] });
      await arrived;
      if (i >= 10) kafkaRoundTrips.push(performance.now() - t0);
    }

    const detail = `${EPISODES} episodes, start and end each, one at a time`;
    return {
      component: 'alarm dispatcher',
      figures: [
        {
          name: 'alarm to receiver p50 (Kafka produce acks=all -> ORU^R40 at the MLLP receiver)',
          value: percentile(latencies, 50),
          unit: 'ms',
          baseline: { name: 'raw MLLP round trip p50', value: percentile(raw, 50) },
          detail,
        },
        {
          name: 'alarm to receiver p99',
          value: percentile(latencies, 99),
          unit: 'ms',
          baseline: { name: 'raw MLLP round trip p99', value: percentile(raw, 99) },
          detail,
        },
      ],
      notes: [
        `alarm to receiver: ${latencies.length} messages, max ${Math.max(...latencies).toFixed(1)} ms; raw MLLP: ${raw.length} round trips`,
        `Kafka alone in the same run (produce acks=all -> a consumer with the dispatcher's settings, ${kafkaRoundTrips.length} records): p50 ${percentile(kafkaRoundTrips, 50).toFixed(2)} ms, p99 ${percentile(kafkaRoundTrips, 99).toFixed(2)} ms`,
        'the alarm path includes the producer acks=all, the consumer fetch (long poll), the routing and context lookups (cached) and ORU^R40 rendering; each alarm is produced after the previous one was acknowledged and its offset committed',
      ],
    };
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
};

export default alarmDispatcher;
