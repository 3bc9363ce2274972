/**
 * The alarm dispatcher against a real Kafka topic, PostgreSQL and MLLP receivers, in this process:
 * - a receiver that answers AE, then nothing (ACK timeout), then AA: the dispatcher sends the same message (same
 *   MSH-10) until it is acknowledged, and only then commits its offset and goes on to the next phase;
 * - an unanswered high-priority alarm is re-sent after the escalation delay (phase update, its own control id),
 *   at most the configured number of times, and no more after it clears;
 * - routing: a receiver of another department gets nothing, a customer-wide one gets everything;
 * - a record that is not an AlertEvent is skipped and committed, and the alarms behind it still go out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { waitFor } from '@vitals/shared';
import { loadDispatcherConfig } from '../src/alarm-dispatcher/config.js';
import { startAlarmDispatcher, type RunningDispatcher } from '../src/alarm-dispatcher/service.js';
import { createAlarmWorld, dispatcherEnv, episode, type AlarmWorld } from './support/alarm-world.js';
import { startAlarmReceiver, type AlarmReceiver } from './support/alarm-receiver.js';

const log = pino({ level: 'silent' });
const worlds: AlarmWorld[] = [];
const receivers: AlarmReceiver[] = [];
const dispatchers: RunningDispatcher[] = [];

afterAll(async () => {
  for (const d of dispatchers) await d.close();
  for (const r of receivers) await r.close();
  for (const w of worlds) await w.close();
});

async function setup(extra: Record<string, string>): Promise<{ world: AlarmWorld; start: () => Promise<RunningDispatcher> }> {
  const world = await createAlarmWorld();
  worlds.push(world);
  return {
    world,
    start: async () => {
      const d = await startAlarmDispatcher(loadDispatcherConfig(dispatcherEnv(world, extra)), {
        log,
        onFatal: (e) => {
          throw e;
        },
      });
      dispatchers.push(d);
      return d;
    },
  };
}

describe('alarm dispatcher', () => {
  let retry: Awaited<ReturnType<typeof setup>>;
  let escalation: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    [retry, escalation] = await Promise.all([
      setup({ DISPATCHER_ACK_TIMEOUT: '1s', DISPATCHER_ESCALATION_DELAY: '0' }),
      setup({
        DISPATCHER_ESCALATION_DELAY: '1500ms',
        DISPATCHER_ESCALATION_MAX_RESENDS: '2',
        DISPATCHER_ESCALATION_TICK: '100ms',
      }),
    ]);
  }, 240_000);

  it('retries a message answered AE, then not at all, until AA, and commits only then', async () => {
    const { world } = retry;
    const answers = ['AE', 'none', 'AA'] as const;
    const receiver = await startAlarmReceiver((r, copy) => (r.phase === 'start' ? (answers[copy - 1] ?? 'AA') : 'AA'));
    receivers.push(receiver);
    await world.addReceiver(receiver.port);
    // Another department's receiver gets nothing; a customer-wide one (department NULL) gets everything.
    const other = await startAlarmReceiver();
    const everyone = await startAlarmReceiver();
    receivers.push(other, everyone);
    const otherDepartment = String(
      (
        await world.pool.query<{ id: string }>(
          "INSERT INTO departments (customer_id, code, name) VALUES ($1, 'W5', 'Ward 5') RETURNING id",
          [world.customerId],
        )
      ).rows[0]!.id,
    );
    await world.addReceiver(other.port, { departmentId: otherDepartment });
    await world.addReceiver(everyone.port, { departmentId: null });

    await retry.start();
    const [raise, clear] = episode(world, [
      { kind: 'raise', priority: 'medium', value: 125 },
      { kind: 'clear', priority: 'medium', value: 80 },
    ]);
    // A record that is not an AlertEvent first: it is logged and skipped (DISPATCHER_ERR_BAD_EVENT), never a stall.
    await world.producer.send({ topic: world.topic, acks: -1, messages: [{ key: world.patientId, value: 'not an alert' }] });
    await world.produce([raise!, clear!]);
    await waitFor(() => receiver.accepted.length === 2, { timeoutMs: 60_000, what: 'start and end acknowledged' });
    await waitFor(async () => (await world.committed()) === 3n, { timeoutMs: 30_000, what: 'all three offsets committed' });

    const starts = receiver.arrivals.filter((a) => a.report.phase === 'start');
    expect(starts.map((a) => a.answer)).toEqual(['AE', 'none', 'AA']);
    expect(new Set(starts.map((a) => a.report.controlId)).size).toBe(1);
    // The end was sent only after the start was acknowledged.
    const endAt = receiver.arrivals.findIndex((a) => a.report.phase === 'end');
    expect(endAt).toBe(3);
    expect(receiver.accepted.map((r) => r.phase)).toEqual(['start', 'end']);
    await waitFor(() => everyone.accepted.length === 2, { timeoutMs: 30_000, what: 'the customer-wide receiver' });
    expect(everyone.accepted.map((r) => r.phase)).toEqual(['start', 'end']);
    expect(other.arrivals).toEqual([]);
  }, 120_000);

  it('re-sends an unanswered high-priority alarm after the delay, at most twice, and stops when it clears', async () => {
    const { world } = escalation;
    const receiver = await startAlarmReceiver();
    receivers.push(receiver);
    await world.addReceiver(receiver.port);
    await escalation.start();
    const [raise, clear] = episode(world, [
      { kind: 'raise', priority: 'high', value: 150 },
      { kind: 'clear', priority: 'high', value: 80 },
    ]);
    await world.produce([raise!]);
    await waitFor(() => receiver.accepted.length === 3, { timeoutMs: 60_000, what: 'start and two re-sends' });
    const [start, r1, r2] = receiver.accepted;
    expect([start!.phase, r1!.phase, r2!.phase]).toEqual(['start', 'update', 'update']);
    expect(new Set(receiver.accepted.map((r) => r.controlId)).size).toBe(3);
    expect(r1!.text).toContain('re-sent (1)');
    const gap = receiver.arrivals[1]!.atMs - receiver.arrivals[0]!.atMs;
    expect(gap).toBeGreaterThanOrEqual(1_400);
    await world.produce([clear!]);
    await waitFor(() => receiver.accepted.length === 4, { timeoutMs: 30_000, what: 'the end' });
    expect(receiver.accepted[3]!.phase).toBe('end');
    await waitFor(async () => (await world.pool.query('SELECT 1 FROM alarm_dispatch_escalations')).rowCount === 0, {
      timeoutMs: 10_000,
      what: 'the escalation to be disarmed',
    });
    expect(receiver.arrivals).toHaveLength(4);
  }, 120_000);
});
