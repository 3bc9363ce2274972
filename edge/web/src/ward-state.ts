/**
 * The page's state and how each event of the gateway's stream changes it (a reducer), and what the grid shows
 * derived from it (selectors). Pure: events and times in, state out.
 */
import type {
  AlarmView,
  BedsEvent,
  DeviceView,
  LatestValueView,
  MetricInfo,
  Presence,
  PresenceEvent,
  ReadingsEvent,
  StatusEvent,
  TrendPointView,
  WardSnapshot,
} from '../../src/http/ward-view/schemas.js';
import { PRIORITY_ORDER, sortAlarms } from './alarm-text.js';

export type Connection = 'connecting' | 'live' | 'lost';

export interface WardState {
  readonly connection: Connection;
  /** Client time the stream was lost (null while live). */
  readonly lostAt: number | null;
  readonly gatewayId: string;
  readonly metrics: readonly MetricInfo[];
  /** Gateway clock minus this browser's clock, so ages are right on a ward PC whose clock is off. */
  readonly clockOffsetMs: number;
  readonly trendWindowMs: number;
  readonly trendBucketMs: number;
  readonly devices: Readonly<Record<string, DeviceView>>;
  readonly beds: BedsEvent;
  readonly alarms: readonly AlarmView[];
  readonly status: StatusEvent | null;
}

export type WardAction =
  | { type: 'snapshot'; snapshot: WardSnapshot; at: number }
  | { type: 'readings'; event: ReadingsEvent }
  | { type: 'presence'; event: PresenceEvent }
  | { type: 'status'; event: StatusEvent; at: number }
  | { type: 'alarms'; items: readonly AlarmView[] }
  | { type: 'beds'; event: BedsEvent }
  | { type: 'disconnected'; at: number };

export const initialWardState: WardState = {
  connection: 'connecting',
  lostAt: null,
  gatewayId: '',
  metrics: [],
  clockOffsetMs: 0,
  trendWindowMs: 3_600_000,
  trendBucketMs: 60_000,
  devices: {},
  beds: { configVersion: null, beds: null },
  alarms: [],
  status: null,
};

function emptyDevice(deviceId: string): DeviceView {
  return { deviceId, presence: 'unknown', presenceSince: null, latest: {}, trend: {} };
}

function withPoint(points: readonly TrendPointView[] | undefined, point: TrendPointView, windowMs: number): TrendPointView[] {
  const list = (points ?? []).filter((p) => p[0] >= point[0] - windowMs && p[0] !== point[0]);
  list.push([point[0], point[1]]);
  return list.sort((a, b) => a[0] - b[0]);
}

export function wardReducer(state: WardState, action: WardAction): WardState {
  switch (action.type) {
    case 'snapshot': {
      const s = action.snapshot;
      return {
        connection: 'live',
        lostAt: null,
        gatewayId: s.gatewayId,
        metrics: s.metrics,
        clockOffsetMs: s.serverTime - action.at,
        trendWindowMs: s.trendWindowMs,
        trendBucketMs: s.trendBucketMs,
        devices: Object.fromEntries(s.devices.map((d) => [d.deviceId, d])),
        beds: s.beds,
        alarms: s.alarms.items,
        status: s.status,
      };
    }
    case 'readings': {
      const devices: Record<string, DeviceView> = { ...state.devices };
      for (const r of action.event.readings) {
        const d = devices[r.deviceId] ?? emptyDevice(r.deviceId);
        const prev = d.latest[r.metric];
        if (prev && prev.measuredAt > r.measuredAt) continue;
        const latest: LatestValueView = { value: r.value, unit: r.unit, measuredAt: r.measuredAt, receivedAt: r.receivedAt };
        devices[r.deviceId] = { ...d, latest: { ...d.latest, [r.metric]: latest } };
      }
      for (const t of action.event.trend) {
        const d = devices[t.deviceId] ?? emptyDevice(t.deviceId);
        devices[t.deviceId] = {
          ...d,
          trend: { ...d.trend, [t.metric]: withPoint(d.trend[t.metric], t.point, state.trendWindowMs) },
        };
      }
      return { ...state, devices };
    }
    case 'presence': {
      const e = action.event;
      const d = state.devices[e.deviceId] ?? emptyDevice(e.deviceId);
      return { ...state, devices: { ...state.devices, [e.deviceId]: { ...d, presence: e.presence, presenceSince: e.at } } };
    }
    case 'status':
      return { ...state, status: action.event, clockOffsetMs: action.event.serverTime - action.at };
    case 'alarms':
      return { ...state, alarms: action.items };
    case 'beds':
      return { ...state, beds: action.event };
    case 'disconnected':
      return state.connection === 'lost' ? state : { ...state, connection: 'lost', lostAt: action.at };
  }
}

export interface VitalRow {
  readonly metric: MetricInfo;
  readonly latest: LatestValueView | null;
  readonly trend: readonly TrendPointView[];
  /** The loudest alarm of this metric in the tile. */
  readonly alarm: AlarmView | undefined;
}

export interface Tile {
  readonly key: string;
  readonly bedId: string | null;
  /** Bed label, or null for a device that no bed of the applied configuration lists. */
  readonly bedLabel: string | null;
  readonly patientName: string | null;
  readonly hasPatient: boolean;
  readonly deviceIds: readonly string[];
  readonly presence: Presence;
  readonly vitals: readonly VitalRow[];
  readonly alarms: readonly AlarmView[];
}

function presenceOf(devices: readonly (DeviceView | undefined)[]): Presence {
  if (devices.some((d) => d?.presence === 'offline')) return 'offline';
  if (devices.some((d) => d?.presence === 'online')) return 'online';
  return 'unknown';
}

function vitalsOf(state: WardState, devices: readonly DeviceView[], alarms: readonly AlarmView[]): VitalRow[] {
  const rows: VitalRow[] = [];
  for (const metric of state.metrics) {
    let latest: LatestValueView | null = null;
    let trend: readonly TrendPointView[] = [];
    for (const d of devices) {
      const v = d.latest[metric.code];
      if (v && (!latest || v.measuredAt > latest.measuredAt)) {
        latest = v;
        trend = d.trend[metric.code] ?? trend;
      } else if (!latest && d.trend[metric.code]) trend = d.trend[metric.code]!;
    }
    if (!latest && trend.length === 0) continue;
    const alarm = sortAlarms(alarms.filter((a) => a.metric === metric.code))[0];
    rows.push({ metric, latest, trend, alarm });
  }
  return rows;
}

/** One tile per bed of the applied configuration (then one per device no bed lists), or one per device. */
export function tilesOf(state: WardState): Tile[] {
  const tiles: Tile[] = [];
  const placed = new Set<string>();
  for (const bed of state.beds.beds ?? []) {
    const devices = bed.deviceIds.map((id) => state.devices[id]).filter((d): d is DeviceView => d !== undefined);
    for (const id of bed.deviceIds) placed.add(id);
    const alarms = sortAlarms(
      state.alarms.filter((a) => a.bedId === bed.bedId || (a.bedId === null && bed.deviceIds.includes(a.deviceId))),
    );
    tiles.push({
      key: `bed:${bed.bedId}`,
      bedId: bed.bedId,
      bedLabel: bed.label,
      patientName: bed.patient?.displayName ?? null,
      hasPatient: bed.patient !== null,
      deviceIds: bed.deviceIds,
      presence: bed.deviceIds.length === 0 ? 'unknown' : presenceOf(bed.deviceIds.map((id) => state.devices[id])),
      vitals: vitalsOf(state, devices, alarms),
      alarms,
    });
  }
  for (const d of Object.values(state.devices).sort((a, b) => a.deviceId.localeCompare(b.deviceId, 'en', { numeric: true }))) {
    if (placed.has(d.deviceId)) continue;
    const alarms = sortAlarms(state.alarms.filter((a) => a.deviceId === d.deviceId));
    tiles.push({
      key: `device:${d.deviceId}`,
      bedId: null,
      bedLabel: alarms.find((a) => a.bedLabel)?.bedLabel ?? null,
      patientName: alarms.find((a) => a.patientName)?.patientName ?? null,
      hasPatient: false,
      deviceIds: [d.deviceId],
      presence: d.presence,
      vitals: vitalsOf(state, [d], alarms),
      alarms,
    });
  }
  return tiles;
}

export interface OfflineDevice {
  readonly deviceId: string;
  readonly bedLabel: string | null;
  readonly since: number | null;
}

export function offlineDevices(state: WardState): OfflineDevice[] {
  const bedOf = new Map<string, string>();
  for (const b of state.beds.beds ?? []) for (const id of b.deviceIds) bedOf.set(id, b.label);
  return Object.values(state.devices)
    .filter((d) => d.presence === 'offline')
    .map((d) => ({ deviceId: d.deviceId, bedLabel: bedOf.get(d.deviceId) ?? null, since: d.presenceSince }))
    .sort((a, b) => (a.bedLabel ?? a.deviceId).localeCompare(b.bedLabel ?? b.deviceId, 'en', { numeric: true }));
}

/** Unacknowledged alarms first count for the page title and the summary. */
export function loudestUnacknowledged(state: WardState): AlarmView | undefined {
  return sortAlarms(state.alarms.filter((a) => !a.acknowledged))[0];
}

export function gatewayNow(state: WardState, clientNow: number): number {
  return clientNow + state.clockOffsetMs;
}

export { PRIORITY_ORDER };
