/**
 * What the ward sees locally, independent of the uplink: the latest committed value of every metric per
 * device, device presence, the active local alarms and the ward layout (beds, patients, devices) of the applied
 * configuration. Emits every committed batch (`readings`), every presence change (`presence`), every alarm
 * change (`alarm`) and every new ward layout (`ward`), so local alarms and the nurses' station view can
 * subscribe without touching ingestion.
 */
import { EventEmitter } from 'node:events';
import { PRIORITY_RANK, type AlarmPriority, type MetricCode } from '@vitals/shared';
import type { CommittedReading } from './ingest/types.js';

export type PresenceStatus = 'online' | 'offline';

export interface PresenceChange {
  readonly deviceId: string;
  readonly status: PresenceStatus;
  readonly atMs: number;
  /** What told us: an MQTT connection, a status message, a last will, a disconnect, an HL7 message. */
  readonly via: 'connect' | 'status' | 'will' | 'disconnect' | 'hl7';
}

export interface LatestValue {
  readonly value: number;
  readonly unit: string;
  readonly measuredAtMs: number;
  readonly receivedAtMs: number;
  readonly readingId: string;
}

/** An active local alarm as the nurses' station shows it. */
export interface ActiveAlarmView {
  /** Stable id of the alarm episode (raise to clear): the id of the reading that raised it. */
  readonly id: string;
  readonly deviceId: string;
  readonly bedId: string | null;
  readonly bedLabel: string | null;
  readonly patientId: string | null;
  /** As the customer's name policy allows (absent: none). */
  readonly patientDisplayName: string | null;
  readonly metric: MetricCode;
  readonly priority: AlarmPriority;
  readonly side: 'low' | 'high';
  /** The limit of the band holding the alarm. */
  readonly limit: number | null;
  /** Latest value of the metric. */
  readonly value: number;
  /** When the condition began (measured time of the reading that raised it), ISO-8601. */
  readonly since: string;
  readonly updatedAt: string;
  readonly acknowledged: boolean;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  /** Configuration version whose rules hold the alarm (0: catalog defaults). */
  readonly configVersion: number;
}

export type AlarmChangeKind = 'raise' | 'escalate' | 'de-escalate' | 'clear' | 'acknowledge' | 'update';

export interface AlarmChange {
  readonly kind: AlarmChangeKind;
  readonly alarm: ActiveAlarmView;
}

/** The ward layout of the applied configuration, for the nurses' view. */
export interface WardView {
  readonly configVersion: number;
  readonly departmentId: string | null;
  readonly beds: ReadonlyArray<{
    readonly bedId: string;
    readonly label: string;
    readonly patientId: string | null;
    readonly patientDisplayName: string | null;
    readonly deviceIds: readonly string[];
  }>;
}

interface LocalStateEvents {
  readings: [readonly CommittedReading[]];
  presence: [PresenceChange];
  alarm: [AlarmChange];
  ward: [WardView];
}

export class LocalState extends EventEmitter<LocalStateEvents> {
  private readonly latestValues = new Map<string, Map<MetricCode, LatestValue>>();
  private readonly presenceOf = new Map<string, PresenceChange>();
  private readonly alarmsById = new Map<string, ActiveAlarmView>();
  private wardView: WardView = { configVersion: 0, departmentId: null, beds: [] };

  constructor() {
    super();
    this.setMaxListeners(100);
  }

  /** Called after each group commit with the readings it made durable. */
  recordCommitted(readings: readonly CommittedReading[]): void {
    if (readings.length === 0) return;
    for (const r of readings) {
      let perDevice = this.latestValues.get(r.deviceId);
      if (!perDevice) this.latestValues.set(r.deviceId, (perDevice = new Map()));
      const prev = perDevice.get(r.metric);
      if (!prev || prev.measuredAtMs <= r.measuredAtMs) {
        perDevice.set(r.metric, {
          value: r.value,
          unit: r.unit,
          measuredAtMs: r.measuredAtMs,
          receivedAtMs: r.receivedAtMs,
          readingId: r.readingId,
        });
      }
    }
    this.emit('readings', readings);
  }

  setPresence(change: PresenceChange): void {
    if (this.presenceOf.get(change.deviceId)?.status === change.status) return;
    this.presenceOf.set(change.deviceId, change);
    this.emit('presence', change);
  }

  latest(deviceId: string): ReadonlyMap<MetricCode, LatestValue> | undefined {
    return this.latestValues.get(deviceId);
  }

  presence(deviceId: string): PresenceChange | undefined {
    return this.presenceOf.get(deviceId);
  }

  devices(): string[] {
    return [...new Set([...this.latestValues.keys(), ...this.presenceOf.keys()])].sort();
  }

  /** Called by the alarm engine with every change; a `clear` removes the alarm. */
  recordAlarm(change: AlarmChange): void {
    if (change.kind === 'clear') this.alarmsById.delete(change.alarm.id);
    else this.alarmsById.set(change.alarm.id, change.alarm);
    this.emit('alarm', change);
  }

  /** Active alarms, highest priority first, then oldest first. */
  activeAlarms(): ActiveAlarmView[] {
    return [...this.alarmsById.values()].sort(
      (a, b) =>
        PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.since.localeCompare(b.since) || a.id.localeCompare(b.id),
    );
  }

  alarm(id: string): ActiveAlarmView | undefined {
    return this.alarmsById.get(id);
  }

  setWard(ward: WardView): void {
    this.wardView = ward;
    this.emit('ward', ward);
  }

  ward(): WardView {
    return this.wardView;
  }

  onlineCount(): number {
    let n = 0;
    for (const p of this.presenceOf.values()) if (p.status === 'online') n++;
    return n;
  }
}
