import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { CommittedReading } from '../../ingest/types.js';
import { LocalState, type ActiveAlarmView } from '../../local-state.js';
import type { EdgeStatus } from '../../status.js';
import { FakeClock } from '../../testing/fake-clock.js';
import type { WardEvents } from './schemas.js';
import { WardFeed, statusEvent } from './ward-feed.js';

const T0 = Date.UTC(2026, 0, 1, 10);

function reading(seq: number, value: number, measuredAtMs: number, deviceId = 'MON-1'): CommittedReading {
  return {
    seq,
    readingId: `r${seq}`,
    deviceId,
    deviceSeq: seq,
    metric: 'heart_rate',
    value,
    unit: '/min',
    measuredAtMs,
    receivedAtMs: measuredAtMs,
    source: 'mqtt',
    alarm: false,
  };
}

function status(over: Partial<EdgeStatus['uplink']> = {}): EdgeStatus {
  return {
    gatewayId: 'gw-1',
    uplink: { enabled: true, state: 'idle', consecutiveFailures: 0, lastError: null, lastSuccessAt: null, ...over },
    buffer: { readings: 10, unsent: 2, oldestUnsentAgeSeconds: 3.4, bytesUsed: 1, capacityBytes: 2 },
  } as unknown as EdgeStatus;
}

const alarm: ActiveAlarmView = {
  id: 'r9',
  deviceId: 'MON-1',
  bedId: 'b1',
  bedLabel: 'A-1',
  patientId: 'p1',
  patientDisplayName: 'A. L.',
  metric: 'heart_rate',
  priority: 'high',
  side: 'high',
  limit: 140,
  value: 150,
  since: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  acknowledged: false,
  acknowledgedAt: null,
  acknowledgedBy: null,
  configVersion: 1,
};

function setup() {
  const clock = new FakeClock(T0);
  const state = new LocalState();
  const feed = new WardFeed({ state, status: async () => status(), log: pino({ level: 'silent' }), clock, flushMs: 200 });
  const events: Array<[keyof WardEvents, unknown]> = [];
  return { clock, state, feed, events, send: <K extends keyof WardEvents>(e: K, d: WardEvents[K]) => events.push([e, d]) };
}

describe('ward feed', () => {
  it('counts commits made before it started once: the buffer read stops where the live ones begin', async () => {
    const { state, feed } = setup();
    state.recordCommitted([reading(5, 80, T0)]);
    const asked: Array<number | undefined> = [];
    feed.start((q) => {
      asked.push(q.beforeSeq);
      return [{ deviceId: 'MON-1', metric: 'heart_rate', bucketStartMs: T0, sum: 60, count: 1, min: 60, max: 60 }];
    });
    expect(asked).toEqual([5]);
    expect(feed.trend.pointsOf('MON-1', T0)).toEqual({ heart_rate: [[T0, 70]] });
    feed.close();
  });

  it('sends the snapshot first, then the newest value per device and metric at most every flush interval', async () => {
    const { clock, state, feed, events, send } = setup();
    feed.start(() => []);
    await feed.subscribe(send);
    expect(events.map((e) => e[0])).toEqual(['snapshot']);
    state.recordCommitted([reading(1, 70, T0 + 1000)]);
    state.recordCommitted([reading(2, 72, T0 + 2000), reading(3, 99, T0 - 120_000)]);
    expect(events).toHaveLength(1);
    clock.advance(200);
    expect(events[1]).toEqual([
      'readings',
      {
        readings: [
          { deviceId: 'MON-1', metric: 'heart_rate', value: 72, unit: '/min', measuredAt: T0 + 2000, receivedAt: T0 + 2000 },
        ],
        trend: [
          { deviceId: 'MON-1', metric: 'heart_rate', point: [T0, 71] },
          { deviceId: 'MON-1', metric: 'heart_rate', point: [T0 - 120_000, 99] },
        ],
      },
    ]);
    feed.close();
  });

  it('sends the values that raised an alarm before the alarm itself', async () => {
    const { clock, state, feed, events, send } = setup();
    feed.start(() => []);
    await feed.subscribe(send);
    state.recordCommitted([reading(9, 150, T0)]);
    state.recordAlarm({ kind: 'raise', alarm });
    clock.advance(0);
    expect(events.map((e) => e[0])).toEqual(['snapshot', 'readings', 'alarms']);
    expect(events[2]![1]).toEqual({
      items: [expect.objectContaining({ id: 'r9', priority: 'high', bedLabel: 'A-1', patientName: 'A. L.', since: T0 })],
    });
    feed.close();
  });

  it('calls the uplink down once sending fails, and only when an uplink is configured', () => {
    expect(statusEvent(status({ state: 'retrying', consecutiveFailures: 2 }), T0).uplink.down).toBe(true);
    expect(statusEvent(status({ state: 'open', consecutiveFailures: 5 }), T0).uplink.down).toBe(true);
    expect(statusEvent(status({ state: 'sending' }), T0).uplink.down).toBe(false);
    expect(statusEvent(status({ enabled: false, state: 'disabled' }), T0).uplink.down).toBe(false);
    expect(statusEvent(status(), T0).buffer.oldestUnsentAgeSeconds).toBe(3);
  });
});
