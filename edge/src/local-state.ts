/**
 * What the ward sees locally, independent of the uplink: the latest committed value of every metric per
 * device, and device presence. Emits every committed batch (`readings`) and every presence change
 * (`presence`), so local alarms and the nurses' station view can subscribe without touching ingestion.
 */
import { EventEmitter } from 'node:events';
import type { MetricCode } from '@vitals/shared';
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

interface LocalStateEvents {
  readings: [readonly CommittedReading[]];
  presence: [PresenceChange];
}

export class LocalState extends EventEmitter<LocalStateEvents> {
  private readonly latestValues = new Map<string, Map<MetricCode, LatestValue>>();
  private readonly presenceOf = new Map<string, PresenceChange>();

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

  onlineCount(): number {
    let n = 0;
    for (const p of this.presenceOf.values()) if (p.status === 'online') n++;
    return n;
  }
}
