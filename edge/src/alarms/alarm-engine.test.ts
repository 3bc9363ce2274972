/** Local alarms under the pushed thresholds: hysteresis, precedence, historical readings, acknowledgement. */
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../buffer/schema.js';
import { compileConfig, type CompiledConfig } from '../config-sync/compiled-config.js';
import { testDocument } from '../config-sync/test-documents.js';
import type { CommittedReading } from '../ingest/types.js';
import { LocalState } from '../local-state.js';
import { FakeClock } from '../testing/fake-clock.js';
import { AlarmEngine } from './alarm-engine.js';
import { createAlarmLog } from './alarm-log.js';
import { createAlarmStore } from './alarm-store.js';

const LIVE_WINDOW = 30_000;

describe('local alarm engine', () => {
  let db: Database.Database;
  let clock: FakeClock;
  let state: LocalState;
  let config: CompiledConfig;
  let engine: AlarmEngine;
  let seq = 0;

  const reading = (deviceId: string, value: number, o: { metric?: string; lagMs?: number } = {}): CommittedReading => {
    clock.advance(1000);
    seq++;
    return {
      seq,
      readingId: `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
      deviceId,
      deviceSeq: seq,
      metric: (o.metric ?? 'heart_rate') as CommittedReading['metric'],
      value,
      unit: '/min',
      measuredAtMs: clock.now() - (o.lagMs ?? 0),
      receivedAtMs: clock.now(),
      source: 'mqtt',
      alarm: false,
    };
  };
  const feed = (...rs: CommittedReading[]) => engine.onReadings(rs);
  /** An engine on the test's SQLite file and nurses' view (a new one is a gateway restart). */
  const newEngine = () =>
    new AlarmEngine({
      clock,
      log: pino({ level: 'silent' }),
      state,
      store: createAlarmStore(db, createAlarmLog(db, 1000)),
      config: () => config,
      liveWindowMs: LIVE_WINDOW,
    });
  const active = () => state.activeAlarms().map((a) => `${a.deviceId}:${a.priority}:${a.side}:${a.limit}`);

  beforeEach(() => {
    db = new Database(':memory:');
    for (const m of MIGRATIONS) db.exec(m);
    clock = new FakeClock();
    state = new LocalState();
    config = compileConfig(testDocument(7));
    engine = newEngine();
  });
  afterEach(() => db.close());

  it('raises under the pushed department rule, escalates, de-escalates and clears with hysteresis', () => {
    feed(reading('MON-1', 112));
    expect(active()).toEqual(['MON-1:medium:high:110']);
    const raised = state.activeAlarms()[0]!;
    expect(raised).toMatchObject({ bedLabel: 'A', patientDisplayName: 'A. L.', configVersion: 7, acknowledged: false });
    feed(reading('MON-1', 135));
    expect(active()).toEqual(['MON-1:high:high:130']);
    feed(reading('MON-1', 128)); // below 130, not by the hysteresis of 3
    expect(active()).toEqual(['MON-1:high:high:130']);
    feed(reading('MON-1', 126));
    expect(active()).toEqual(['MON-1:medium:high:110']);
    feed(reading('MON-1', 108)); // inside 110 but not by 3: holds
    expect(active()).toEqual(['MON-1:medium:high:110']);
    feed(reading('MON-1', 106));
    expect(active()).toEqual([]);
    const events = db.prepare('SELECT event, priority FROM alarm_log ORDER BY id').all();
    expect(events).toEqual([
      { event: 'raise', priority: 'medium' },
      { event: 'escalate', priority: 'high' },
      { event: 'de-escalate', priority: 'medium' },
      { event: 'clear', priority: 'medium' },
    ]);
    expect(new Set(db.prepare('SELECT alarm_id FROM alarm_log').pluck().all())).toEqual(new Set([raised.id]));
  });

  it("a patient's own rule wins: 140 alarms bed A but not bed B's patient (limit 150)", () => {
    feed(reading('MON-1', 140), reading('MON-2', 140));
    expect(active()).toEqual(['MON-1:high:high:130']);
  });

  it('historical readings (measured long before they arrived) never raise or clear', () => {
    feed(reading('MON-1', 180, { lagMs: LIVE_WINDOW + 1 }));
    expect(active()).toEqual([]);
    feed(reading('MON-1', 112));
    feed(reading('MON-1', 60, { lagMs: LIVE_WINDOW + 5_000 }));
    expect(active()).toEqual(['MON-1:medium:high:110']);
  });

  it('a new configuration applies from the next reading', () => {
    feed(reading('MON-1', 112));
    expect(active()).toEqual(['MON-1:medium:high:110']);
    config = compileConfig(
      testDocument(8, {
        thresholds: [{ metric: 'heart_rate', high: 120, priority: 'medium', hysteresis: 3, scope: 'department' }],
      }),
    );
    feed(reading('MON-1', 113));
    expect(active()).toEqual([]);
    feed(reading('MON-1', 125));
    expect(state.activeAlarms()[0]).toMatchObject({ priority: 'medium', limit: 120, configVersion: 8 });
  });

  it('acknowledging silences until an escalation, and is logged with who', () => {
    feed(reading('MON-1', 112));
    const id = state.activeAlarms()[0]!.id;
    expect(engine.acknowledge('no-such-alarm', 'nurse')).toBeUndefined();
    const acked = engine.acknowledge(id, 'nurse jo');
    expect(acked).toMatchObject({
      acknowledged: true,
      acknowledgedBy: 'nurse jo',
      acknowledgedAt: new Date(clock.now()).toISOString(),
    });
    feed(reading('MON-1', 115));
    expect(state.alarm(id)?.acknowledged).toBe(true);
    feed(reading('MON-1', 140));
    expect(state.alarm(id)).toMatchObject({ priority: 'high', acknowledged: false });
    expect(db.prepare("SELECT actor FROM alarm_log WHERE event = 'acknowledge'").pluck().all()).toEqual(['nurse jo']);
  });

  it('a restart keeps the active alarms as they were, acknowledged or not, and they go on from there', () => {
    feed(reading('MON-1', 112), reading('MON-2', 160));
    const hr1 = state.activeAlarms().find((a) => a.deviceId === 'MON-1')!;
    engine.acknowledge(hr1.id, 'nurse jo');
    feed(reading('MON-1', 115)); // no transition: nothing more to keep
    const before = state.activeAlarms();
    // The gateway restarts on the same file: a new engine and an empty nurses' view.
    state = new LocalState();
    engine = newEngine();
    expect(state.activeAlarms().map((a) => ({ ...a, value: 0, updatedAt: '' }))).toEqual(
      before.map((a) => ({ ...a, value: 0, updatedAt: '' })),
    );
    expect(state.alarm(hr1.id)).toMatchObject({ acknowledged: true, acknowledgedBy: 'nurse jo', priority: 'medium' });
    // The restored state machine holds by its hysteresis and escalates as before restart.
    feed(reading('MON-1', 108));
    expect(state.alarm(hr1.id)).toMatchObject({ priority: 'medium', acknowledged: true });
    feed(reading('MON-1', 140));
    expect(state.alarm(hr1.id)).toMatchObject({ priority: 'high', acknowledged: false });
    // A clear forgets it: the next restart has only MON-2's alarm.
    feed(reading('MON-1', 70), reading('MON-1', 70));
    state = new LocalState();
    engine = newEngine();
    expect(active()).toEqual(['MON-2:medium:high:150']);
    // A row that cannot be read is dropped, not fatal.
    db.prepare("UPDATE alarm_state SET view = '{' WHERE device_id = 'MON-2'").run();
    state = new LocalState();
    engine = newEngine();
    expect(active()).toEqual([]);
  });

  it('a device whose alarms are disabled has none; out-of-order readings are ignored', () => {
    feed(reading('MON-1', 112));
    config = compileConfig(
      testDocument(9, { deviceSettings: [{ deviceId: 'MON-1', samplingIntervalMs: 1000, alarmsEnabled: false }] }),
    );
    feed(reading('MON-1', 140));
    expect(active()).toEqual([]);
    config = compileConfig(testDocument(10));
    const late = reading('MON-2', 140, { lagMs: 5_000 });
    feed(reading('MON-2', 160), late);
    expect(active()).toEqual(['MON-2:medium:high:150']);
  });
});
