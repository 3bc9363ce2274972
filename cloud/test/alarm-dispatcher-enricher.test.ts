/**
 * From readings to the receiver: the enricher's own partition processor (the code that writes the `alerts` topic,
 * with the catalog's heart-rate bands: medium above 120, high above 140, hysteresis 3) is fed a patient who
 * deteriorates and recovers (heart rate 80 -> 150 -> 80, one reading every 5 s). Every AlertEvent it emits is
 * produced to a private alerts topic, and the dispatcher (its own process, `vitals cloud dispatcher`'s entry)
 * delivers them: the receiver gets exactly one ORU^R40 per AlertEvent, in order, phases start, update (escalated
 * to PH), update (de-escalated to PM), end, under one alert id; its /readyz and /metrics say so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, waitFor, type AlertEvent } from '@vitals/shared';
import { PartitionProcessor } from '../src/enricher/partition-processor.js';
import { ReferenceState } from '../src/enricher/reference-state.js';
import { reading, upsert } from '../src/enricher/test-fixtures.js';
import { startChild, type ChildService } from './support/child-service.js';
import { createAlarmWorld, dispatcherEnv, type AlarmWorld } from './support/alarm-world.js';
import { startAlarmReceiver, type AlarmReceiver } from './support/alarm-receiver.js';

let world: AlarmWorld;
let receiver: AlarmReceiver;
let child: ChildService | undefined;

beforeAll(async () => {
  world = await createAlarmWorld();
}, 180_000);

afterAll(async () => {
  await child?.kill('SIGKILL');
  await receiver?.close();
  await world?.close();
});

/** What the enricher emits to `alerts` for the world's patient on device MON-ALARM-1 for this heart-rate series. */
function enricherAlerts(values: readonly number[], startMs: number): AlertEvent[] {
  const state = new ReferenceState();
  state.apply('customers', upsert({ id: world.customerId, name: 'H', patient_name_policy: 'initials' }));
  state.apply('departments', upsert({ id: world.departmentId, customer_id: world.customerId, name: 'ICU', code: 'ICU' }));
  state.apply(
    'beds',
    upsert({ id: world.bedId, customer_id: world.customerId, department_id: world.departmentId, label: 'Bed 3' }),
  );
  state.apply('patients', upsert({ id: world.patientId, customer_id: world.customerId }));
  state.apply('devices', upsert({ id: 'MON-ALARM-1', customer_id: world.customerId, model: 'x', deleted_at: null }));
  state.apply(
    'device_assignments',
    upsert({
      id: '00000000-0000-4000-8000-0000000000a1',
      customer_id: world.customerId,
      device_id: 'MON-ALARM-1',
      patient_id: world.patientId,
      bed_id: world.bedId,
      valid_from: new Date(startMs - 3_600_000).toISOString(),
      valid_to: null,
    }),
  );
  const processor = new PartitionProcessor(
    { topic: TOPICS.rawReadings, partition: 0, graceMs: 5_000, dedupeWindowMs: 600_000, deviceSilenceMs: 3_600_000 },
    state,
  );
  const events: AlertEvent[] = [];
  values.forEach((value, i) => {
    const at = new Date(startMs + i * 5_000).toISOString();
    const r = reading(at, { deviceId: 'MON-ALARM-1', deviceSeq: i + 1, value });
    const fx = processor.process([{ offset: String(i), key: r.deviceId, value: JSON.stringify(r) }], startMs + i * 5_000);
    for (const o of fx.out) if (o.topic === TOPICS.alerts) events.push(JSON.parse(o.value) as AlertEvent);
  });
  return events;
}

describe('alarm dispatcher fed by the enricher', () => {
  it('delivers every alert of a deterioration and recovery, in order, once each', async () => {
    const up = Array.from({ length: 15 }, (_, i) => 80 + i * 5); // 80 .. 150
    const down = Array.from({ length: 15 }, (_, i) => 150 - i * 5); // 150 .. 80
    const events = enricherAlerts([...up, ...down], Date.now() - 10 * 60_000);
    expect(events.map((e) => `${e.kind}:${e.priority}`)).toEqual([
      'raise:medium',
      'escalate:high',
      'de-escalate:medium',
      'clear:medium',
    ]);

    receiver = await startAlarmReceiver();
    await world.addReceiver(receiver.port);
    child = startChild(
      'cloud/src/cli/alarm-dispatcher-main.ts',
      dispatcherEnv(world, { DISPATCHER_ESCALATION_DELAY: '0' }),
      'dispatcher-ready',
    );
    const ready = await child.ready;
    await world.produce(events);
    await waitFor(async () => (await world.committed()) === BigInt(events.length), {
      timeoutMs: 60_000,
      what: 'every alert acknowledged and committed',
    });
    expect(receiver.arrivals.map((a) => [a.report.phase, a.report.priority, a.report.value])).toEqual([
      ['start', 'PM', 125],
      ['update', 'PH', 145],
      ['update', 'PM', 135],
      ['end', 'PM', 115],
    ]);
    expect(new Set(receiver.arrivals.map((a) => a.report.alertId))).toEqual(new Set([events[0]!.alertId]));
    expect(new Set(receiver.arrivals.map((a) => a.report.controlId)).size).toBe(4);
    // Operators see it: ready, and the messages counted by phase.
    expect((await fetch(`${String(ready.url)}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${String(ready.url)}/metrics`)).text();
    expect(metrics).toMatch(/dispatcher_messages_total\{phase="update",resend="false"[^}]*\} 2/);
    expect(metrics).toMatch(/dispatcher_alarm_latency_seconds_count\{[^}]*\} 4/);
  }, 120_000);
});
