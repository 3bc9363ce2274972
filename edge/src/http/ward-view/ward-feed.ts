/**
 * The live side of the nurses' station: keeps the trend, builds snapshots, and fans out what changes to every
 * open stream. Readings are coalesced (the newest value per device and metric, at most every `flushMs`), so a
 * busy ward costs the page a few small messages a second whatever the input rate. Alarms and the ward layout
 * come from `LocalState` (the gateway's local alarms and applied configuration) as they change; the uplink and
 * buffer status is sent every `statusEveryMs` while a page is connected.
 */
import { METRIC_CATALOG, METRIC_CODES, systemClock, type Clock, type TimerHandle } from '@vitals/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { TrendBucketRow, TrendQuery } from '../../buffer/trend-query.js';
import type { CommittedReading } from '../../ingest/types.js';
import type { ActiveAlarmView, LocalState, PresenceChange, WardView } from '../../local-state.js';
import type { EdgeStatus } from '../../status.js';
import type {
  AlarmView,
  AlarmsEvent,
  BedsEvent,
  DeviceView,
  MetricInfo,
  ReadingsEvent,
  StatusEvent,
  WardEvents,
  WardSnapshot,
} from './schemas.js';
import { TrendStore } from './trend-store.js';

export type Send = <K extends keyof WardEvents>(event: K, data: WardEvents[K]) => void;

export interface WardFeedOptions {
  readonly state: LocalState;
  readonly status: () => Promise<EdgeStatus>;
  readonly log: FastifyBaseLogger;
  readonly clock?: Clock;
  readonly trendWindowMs?: number;
  readonly trendBucketMs?: number;
  readonly flushMs?: number;
  readonly statusEveryMs?: number;
}

const UNIT_LABELS: Readonly<Record<string, string>> = { 'mm[Hg]': 'mmHg', Cel: '°C', '/min': '/min', '%': '%' };

export const METRIC_INFO: readonly MetricInfo[] = METRIC_CODES.map((code) => {
  const d = METRIC_CATALOG[code];
  const label = code === 'heart_rate' ? 'bpm' : (UNIT_LABELS[d.unit] ?? d.unit);
  return { code, name: d.displayName, unit: d.unit, label, decimals: d.decimals };
});

export function statusEvent(s: EdgeStatus, now: number): StatusEvent {
  const u = s.uplink;
  return {
    serverTime: now,
    uplink: {
      enabled: u.enabled,
      state: u.state,
      down: u.enabled && (u.state === 'retrying' || u.state === 'open' || u.consecutiveFailures > 0),
      consecutiveFailures: u.consecutiveFailures,
      lastError: u.lastError,
      lastSuccessAt: u.lastSuccessAt,
    },
    buffer: {
      readings: s.buffer.readings,
      unsent: s.buffer.unsent,
      oldestUnsentAgeSeconds: Math.round(s.buffer.oldestUnsentAgeSeconds),
      bytesUsed: s.buffer.bytesUsed,
      capacityBytes: s.buffer.capacityBytes,
    },
  };
}

export function alarmView(a: ActiveAlarmView): AlarmView {
  return {
    id: a.id,
    deviceId: a.deviceId,
    bedId: a.bedId,
    bedLabel: a.bedLabel,
    patientName: a.patientDisplayName,
    metric: a.metric,
    side: a.side,
    limit: a.limit,
    value: a.value,
    priority: a.priority,
    since: Date.parse(a.since),
    acknowledged: a.acknowledged,
    acknowledgedBy: a.acknowledgedBy,
  };
}

/** The applied ward layout; `beds: null` until a configuration with beds has been applied. */
export function bedsEvent(w: WardView): BedsEvent {
  if (w.configVersion === 0 && w.beds.length === 0) return { configVersion: null, beds: null };
  return {
    configVersion: w.configVersion,
    beds: [...w.beds]
      .map((b) => ({
        bedId: b.bedId,
        label: b.label,
        patient:
          b.patientId === null
            ? null
            : { id: b.patientId, ...(b.patientDisplayName ? { displayName: b.patientDisplayName } : {}) },
        deviceIds: [...b.deviceIds],
      }))
      .sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true })),
  };
}

export class WardFeed {
  readonly trend: TrendStore;
  private readonly clock: Clock;
  private readonly clients = new Set<Send>();
  private readonly timers: TimerHandle[] = [];
  private pending = new Map<string, ReadingsEvent['readings'][number]>();
  /** Buckets changed since the last flush, with their point after the change. */
  private touched = new Map<string, ReadingsEvent['trend'][number]>();
  private flushTimer: TimerHandle | undefined;
  private alarmsTimer: TimerHandle | undefined;
  private early: CommittedReading[] | undefined = [];
  private readonly onReadings = (rs: readonly CommittedReading[]) => this.readings(rs);
  private readonly onPresence = (p: PresenceChange) =>
    this.broadcast('presence', { deviceId: p.deviceId, presence: p.status, at: p.atMs });
  // Several alarm changes of one commit go out as one list, right after it.
  private readonly onAlarm = () => {
    if (this.alarmsTimer !== undefined || this.clients.size === 0) return;
    this.alarmsTimer = this.clock.setTimeout(() => {
      this.alarmsTimer = undefined;
      // The values that raised the alarms go first, so the page never shows an alarm beside an older value.
      if (this.flushTimer !== undefined) {
        this.clock.clearTimeout(this.flushTimer);
        this.flush();
      }
      this.broadcast('alarms', this.alarms());
    }, 0);
  };
  private readonly onWard = (w: WardView) => this.broadcast('beds', bedsEvent(w));

  constructor(private readonly o: WardFeedOptions) {
    this.clock = o.clock ?? systemClock;
    this.trend = new TrendStore({ windowMs: o.trendWindowMs ?? 3_600_000, bucketMs: o.trendBucketMs ?? 60_000 });
    o.state.on('readings', this.onReadings);
    o.state.on('presence', this.onPresence);
    o.state.on('alarm', this.onAlarm);
    o.state.on('ward', this.onWard);
  }

  /**
   * Fills the trend from the buffer (`read` gets the seq before which to read: later commits arrived through the
   * listener already), then starts the timers.
   */
  start(read: (q: TrendQuery) => readonly TrendBucketRow[]): void {
    const early = this.early ?? [];
    this.early = undefined;
    try {
      const { windowMs, bucketMs } = this.trend.options;
      this.trend.load(read({ sinceMs: this.clock.now() - windowMs, bucketMs, ...(early[0] ? { beforeSeq: early[0].seq } : {}) }));
    } catch (err) {
      this.o.log.warn({ err }, 'could not read the last hour from the buffer; the trend starts empty');
    }
    this.readings(early);
    this.timers.push(
      this.clock.setInterval(() => {
        if (this.clients.size === 0) return;
        this.refreshStatus().catch((err: unknown) => this.o.log.warn({ err }, 'ward view status refresh failed'));
      }, this.o.statusEveryMs ?? 2_000),
      this.clock.setInterval(() => this.trend.prune(this.clock.now()), 60_000),
    );
  }

  private readings(rs: readonly CommittedReading[]): void {
    if (this.early) {
      this.early.push(...rs);
      return;
    }
    for (const r of rs) {
      const point = this.trend.add(r.deviceId, r.metric, r.measuredAtMs, r.value);
      if (this.clients.size === 0) continue;
      const key = `${r.deviceId}\u0000${r.metric}`;
      this.touched.set(`${key}\u0000${point[0]}`, { deviceId: r.deviceId, metric: r.metric, point: [point[0], point[1]] });
      const prev = this.pending.get(key);
      if (!prev || prev.measuredAt <= r.measuredAtMs) {
        this.pending.set(key, {
          deviceId: r.deviceId,
          metric: r.metric,
          value: r.value,
          unit: r.unit,
          measuredAt: r.measuredAtMs,
          receivedAt: r.receivedAtMs,
        });
      }
    }
    if (this.pending.size > 0 && this.flushTimer === undefined) {
      this.flushTimer = this.clock.setTimeout(() => this.flush(), this.o.flushMs ?? 200);
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const readings = [...this.pending.values()];
    const oldest = this.trend.bucketOf(this.clock.now() - this.trend.options.windowMs);
    const trend = [...this.touched.values()].filter((t) => t.point[0] >= oldest);
    this.pending = new Map();
    this.touched = new Map();
    if (readings.length === 0 || this.clients.size === 0) return;
    this.broadcast('readings', { readings, trend });
  }

  private broadcast: Send = (event, data) => {
    for (const send of this.clients) send(event, data);
  };

  alarms(): AlarmsEvent {
    return { items: this.o.state.activeAlarms().map(alarmView) };
  }

  async refreshStatus(): Promise<StatusEvent> {
    const s = statusEvent(await this.o.status(), this.clock.now());
    this.broadcast('status', s);
    return s;
  }

  async snapshot(): Promise<WardSnapshot> {
    const status = await this.o.status();
    const now = this.clock.now();
    const { state } = this.o;
    const beds = bedsEvent(state.ward());
    const ids = new Set([...state.devices(), ...this.trend.devices()]);
    for (const b of beds.beds ?? []) for (const d of b.deviceIds) ids.add(d);
    const devices: DeviceView[] = [...ids].sort().map((deviceId) => {
      const p = state.presence(deviceId);
      const latest: DeviceView['latest'] = {};
      for (const [metric, v] of state.latest(deviceId) ?? []) {
        latest[metric] = { value: v.value, unit: v.unit, measuredAt: v.measuredAtMs, receivedAt: v.receivedAtMs };
      }
      const trend: DeviceView['trend'] = {};
      for (const [metric, points] of Object.entries(this.trend.pointsOf(deviceId, now))) {
        trend[metric] = points.map(([t, v]) => [t, v] as [number, number]);
      }
      return { deviceId, presence: p?.status ?? 'unknown', presenceSince: p?.atMs ?? null, latest, trend };
    });
    return {
      gatewayId: status.gatewayId,
      serverTime: now,
      metrics: [...METRIC_INFO],
      trendBucketMs: this.trend.options.bucketMs,
      trendWindowMs: this.trend.options.windowMs,
      devices,
      status: statusEvent(status, now),
      alarms: this.alarms(),
      beds,
    };
  }

  /** Adds a stream: it gets the snapshot first, then every change. Returns the function that removes it. */
  async subscribe(send: Send): Promise<() => void> {
    const snap = await this.snapshot();
    send('snapshot', snap);
    this.clients.add(send);
    return () => {
      this.clients.delete(send);
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  close(): void {
    this.o.state.off('readings', this.onReadings);
    this.o.state.off('presence', this.onPresence);
    this.o.state.off('alarm', this.onAlarm);
    this.o.state.off('ward', this.onWard);
    for (const t of this.timers) this.clock.clearInterval(t);
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    if (this.alarmsTimer !== undefined) this.clock.clearTimeout(this.alarmsTimer);
    this.clients.clear();
  }
}
