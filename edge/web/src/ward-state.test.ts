import { describe, expect, it } from 'vitest';
import type { AlarmView, WardSnapshot } from '../../src/http/ward-view/schemas.js';
import { initialWardState, offlineDevices, tilesOf, wardReducer, type WardAction, type WardState } from './ward-state.js';

const metrics = [
  { code: 'heart_rate', name: 'Heart rate', unit: '/min', label: 'bpm', decimals: 0 },
  { code: 'spo2', name: 'SpO2', unit: '%', label: '%', decimals: 0 },
];

const snapshot = (over: Partial<WardSnapshot> = {}): WardSnapshot => ({
  gatewayId: 'gw-1',
  serverTime: 10_000,
  metrics,
  trendBucketMs: 60_000,
  trendWindowMs: 3_600_000,
  devices: [
    {
      deviceId: 'MON-1',
      presence: 'online',
      presenceSince: 1,
      latest: { heart_rate: { value: 70, unit: '/min', measuredAt: 9_000, receivedAt: 9_010 } },
      trend: { heart_rate: [[0, 70]] },
    },
  ],
  status: {
    serverTime: 10_000,
    uplink: { enabled: true, state: 'idle', down: false, consecutiveFailures: 0, lastError: null, lastSuccessAt: null },
    buffer: { readings: 1, unsent: 0, oldestUnsentAgeSeconds: 0, bytesUsed: 1, capacityBytes: 2 },
  },
  alarms: { items: [] },
  beds: { configVersion: null, beds: null },
  ...over,
});

const run = (...actions: WardAction[]): WardState => actions.reduce(wardReducer, initialWardState);

const alarm = (over: Partial<AlarmView> = {}): AlarmView => ({
  id: 'a1',
  deviceId: 'MON-1',
  bedId: null,
  bedLabel: null,
  patientName: null,
  metric: 'heart_rate',
  side: 'high',
  limit: 120,
  value: 130,
  priority: 'medium',
  since: 5,
  acknowledged: false,
  acknowledgedBy: null,
  ...over,
});

describe('ward state', () => {
  it('takes the snapshot whole and learns the gateway clock offset', () => {
    const s = run({ type: 'snapshot', snapshot: snapshot(), at: 9_000 });
    expect(s.connection).toBe('live');
    expect(s.clockOffsetMs).toBe(1_000);
    expect(s.devices['MON-1']?.latest.heart_rate?.value).toBe(70);
  });

  it('applies newer readings, ignores older ones, and replaces or appends trend points', () => {
    const s = run(
      { type: 'snapshot', snapshot: snapshot(), at: 10_000 },
      {
        type: 'readings',
        event: {
          readings: [
            { deviceId: 'MON-1', metric: 'heart_rate', value: 72, unit: '/min', measuredAt: 9_500, receivedAt: 9_600 },
            { deviceId: 'MON-2', metric: 'spo2', value: 95, unit: '%', measuredAt: 9_500, receivedAt: 9_600 },
          ],
          trend: [
            { deviceId: 'MON-1', metric: 'heart_rate', point: [0, 71] },
            { deviceId: 'MON-1', metric: 'heart_rate', point: [60_000, 72] },
          ],
        },
      },
      {
        type: 'readings',
        event: {
          readings: [{ deviceId: 'MON-1', metric: 'heart_rate', value: 60, unit: '/min', measuredAt: 100, receivedAt: 9_700 }],
          trend: [],
        },
      },
    );
    expect(s.devices['MON-1']?.latest.heart_rate?.value).toBe(72);
    expect(s.devices['MON-1']?.trend.heart_rate).toEqual([
      [0, 71],
      [60_000, 72],
    ]);
    expect(s.devices['MON-2']?.latest.spo2?.value).toBe(95);
  });

  it('marks the stream lost once, and a new snapshot makes it live again', () => {
    const lost = run(
      { type: 'snapshot', snapshot: snapshot(), at: 1 },
      { type: 'disconnected', at: 50 },
      { type: 'disconnected', at: 90 },
    );
    expect([lost.connection, lost.lostAt]).toEqual(['lost', 50]);
    expect(wardReducer(lost, { type: 'snapshot', snapshot: snapshot(), at: 100 }).connection).toBe('live');
  });

  it('lays out one tile per bed, then devices no bed lists; alarms go to their bed', () => {
    const s = run(
      { type: 'snapshot', snapshot: snapshot(), at: 0 },
      {
        type: 'beds',
        event: {
          configVersion: 2,
          beds: [
            { bedId: 'b1', label: 'A-1', patient: { id: 'p1', displayName: 'Ada L.' }, deviceIds: ['MON-1'] },
            { bedId: 'b2', label: 'A-2', patient: { id: 'p2' }, deviceIds: [] },
          ],
        },
      },
      { type: 'presence', event: { deviceId: 'MON-9', presence: 'offline', at: 7 } },
      { type: 'alarms', items: [alarm({ bedId: 'b1' })] },
    );
    const tiles = tilesOf(s);
    expect(tiles.map((t) => [t.bedLabel, t.patientName, t.hasPatient, t.presence])).toEqual([
      ['A-1', 'Ada L.', true, 'online'],
      ['A-2', null, true, 'unknown'],
      [null, null, false, 'offline'],
    ]);
    expect(tiles[0]!.alarms.map((a) => a.id)).toEqual(['a1']);
    expect(tiles[0]!.vitals.map((v) => [v.metric.code, v.latest?.value, v.alarm?.id])).toEqual([['heart_rate', 70, 'a1']]);
    expect(offlineDevices(s)).toEqual([{ deviceId: 'MON-9', bedLabel: null, since: 7 }]);
  });

  it('without a bed mapping, shows one tile per device and takes the bed label from its alarms', () => {
    const s = run(
      { type: 'snapshot', snapshot: snapshot(), at: 0 },
      { type: 'alarms', items: [alarm({ bedLabel: 'X-3', patientName: 'B. B.' })] },
    );
    expect(tilesOf(s).map((t) => [t.key, t.bedLabel, t.patientName])).toEqual([['device:MON-1', 'X-3', 'B. B.']]);
  });
});
