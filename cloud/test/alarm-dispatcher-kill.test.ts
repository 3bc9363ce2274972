/**
 * Alarms out across a crash: the dispatcher runs as its own process (`cloud/src/cli/alarm-dispatcher-main.ts`) on a
 * private alerts topic and a temporary database, sending to an MLLP receiver. One alarm episode (raise, escalate,
 * clear) is produced; the dispatcher is killed with SIGKILL while the receiver holds the ACK of the update, and the
 * clear is produced while it is dead. After the restart the receiver has start, update and end, in order, once
 * each; the update came twice with the same MSH-10 (at-least-once plus the dedupe key), the start only once (its
 * offset was committed after its ACK, before the kill). And an unanswered high alarm stays armed across a kill -9
 * (alarm_dispatch_escalations): its re-send comes from the restarted process, once, after the delay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { startChild, type ChildService } from './support/child-service.js';
import { createAlarmWorld, dispatcherEnv, episode, type AlarmWorld } from './support/alarm-world.js';
import { startAlarmReceiver, type AlarmReceiver } from './support/alarm-receiver.js';

const ENTRY = 'cloud/src/cli/alarm-dispatcher-main.ts';
let world: AlarmWorld;
let escalationWorld: AlarmWorld;
let receiver: AlarmReceiver;
const receivers: AlarmReceiver[] = [];
const children: ChildService[] = [];

beforeAll(async () => {
  [world, escalationWorld] = await Promise.all([createAlarmWorld(), createAlarmWorld()]);
}, 180_000);

afterAll(async () => {
  for (const c of children) await c.kill('SIGKILL');
  for (const r of [receiver, ...receivers]) await r?.close();
  await world?.close();
  await escalationWorld?.close();
});

function spawnDispatcher(
  w: AlarmWorld = world,
  extra: Record<string, string> = { DISPATCHER_ESCALATION_DELAY: '0', DISPATCHER_ACK_TIMEOUT: '60s' },
): ChildService {
  const child = startChild(ENTRY, dispatcherEnv(w, extra), 'dispatcher-ready');
  children.push(child);
  return child;
}

describe('alarm dispatcher across kill -9', () => {
  it('delivers start, update and end in order, once each after dedupe by MSH-10', async () => {
    // The first copy of the update is held (no ACK): the dispatcher is killed while it waits for it.
    receiver = await startAlarmReceiver((r, copy) => (r.phase === 'update' && copy === 1 ? 'none' : 'AA'));
    await world.addReceiver(receiver.port);
    const [raise, escalate, clear] = episode(world, [
      { kind: 'raise', priority: 'medium', value: 125 },
      { kind: 'escalate', priority: 'high', value: 145 },
      { kind: 'clear', priority: 'high', value: 80 },
    ]);

    const first = spawnDispatcher();
    await first.ready;
    await world.produce([raise!]);
    await waitFor(async () => (await world.committed()) === 1n, {
      timeoutMs: 60_000,
      what: 'the start to be acknowledged and committed',
    });
    expect(receiver.accepted.map((r) => r.phase)).toEqual(['start']);

    await world.produce([escalate!]);
    await waitFor(() => receiver.arrivals.some((a) => a.report.phase === 'update'), {
      timeoutMs: 60_000,
      what: 'the update to arrive',
    });
    await first.kill('SIGKILL');
    await world.produce([clear!]);
    expect(await world.committed()).toBe(1n);

    const second = spawnDispatcher();
    await second.ready;
    await waitFor(() => receiver.accepted.length === 3, { timeoutMs: 90_000, what: 'update and end after the restart' });
    await waitFor(async () => (await world.committed()) === 3n, { timeoutMs: 30_000, what: 'every offset committed' });

    expect(receiver.accepted.map((r) => [r.phase, r.priority, r.alarmState])).toEqual([
      ['start', 'PM', 'active'],
      ['update', 'PH', 'active'],
      ['end', 'PH', 'inactive'],
    ]);
    expect(new Set(receiver.accepted.map((r) => r.alertId))).toEqual(new Set([raise!.alertId]));
    const byPhase = (phase: string) => receiver.arrivals.filter((a) => a.report.phase === phase);
    expect(byPhase('start')).toHaveLength(1);
    expect(byPhase('end')).toHaveLength(1);
    // The update was sent twice, before and after the kill, with one control id.
    expect(byPhase('update').map((a) => a.answer)).toEqual(['none', 'AA']);
    expect(new Set(byPhase('update').map((a) => a.report.controlId)).size).toBe(1);
    // Patient and location from the reference data, the triggering observation with its MDC code.
    const update = receiver.accepted[1]!;
    expect(update.patientIds).toEqual([world.mrn, world.patientId]);
    expect(update.location).toMatch(/^ICU\^\^Bed 3\^Alarms [0-9a-f]+$/);
    // The customer's name policy is initials: PID-5 carries L.^A., never the full name.
    const raw = receiver.arrivals.find((a) => a.report.controlId === update.controlId)!.raw;
    expect(raw).toContain(`PID|||${world.mrn}^^^VITALS^MR~${world.patientId}^^^VITALS^PI||L.^A.`);
    expect(raw).not.toContain('Lovelace');
    expect([update.metric, update.value, update.event]).toEqual(['heart_rate', 145, 'MDC_EVT_HI']);
    await second.kill('SIGTERM');
  }, 240_000);

  it('keeps an unanswered high alarm armed across kill -9: the re-send comes after the restart, once', async () => {
    const w = escalationWorld;
    const r = await startAlarmReceiver();
    receivers.push(r);
    await w.addReceiver(r.port);
    const env = {
      DISPATCHER_ESCALATION_DELAY: '4s',
      DISPATCHER_ESCALATION_MAX_RESENDS: '1',
      DISPATCHER_ESCALATION_TICK: '100ms',
    };
    const [raise, clear] = episode(w, [
      { kind: 'raise', priority: 'high', value: 150 },
      { kind: 'clear', priority: 'high', value: 80 },
    ]);
    const first = spawnDispatcher(w, env);
    await first.ready;
    await w.produce([raise!]);
    await waitFor(async () => (await w.committed()) === 1n, { timeoutMs: 60_000, what: 'the start committed' });
    // Armed in PostgreSQL before the commit; the process dies before the re-send is due.
    const armed = await w.pool.query('SELECT resends FROM alarm_dispatch_escalations');
    expect(armed.rows).toEqual([{ resends: 0 }]);
    expect(r.arrivals).toHaveLength(1);
    await first.kill('SIGKILL');

    const second = spawnDispatcher(w, env);
    await second.ready;
    await waitFor(() => r.accepted.length === 2, { timeoutMs: 60_000, what: 'the re-send after the restart' });
    expect(r.accepted.map((x) => x.phase)).toEqual(['start', 'update']);
    expect(r.accepted[1]!.text).toContain('re-sent (1)');
    expect(r.arrivals[1]!.atMs - r.arrivals[0]!.atMs).toBeGreaterThanOrEqual(3_900);
    await w.produce([clear!]);
    await waitFor(() => r.accepted.length === 3, { timeoutMs: 30_000, what: 'the end' });
    expect(r.accepted.map((x) => x.phase)).toEqual(['start', 'update', 'end']);
    expect(r.arrivals).toHaveLength(3);
    expect((await w.pool.query('SELECT 1 FROM alarm_dispatch_escalations')).rowCount).toBe(0);
    await second.kill('SIGTERM');
  }, 240_000);
});
