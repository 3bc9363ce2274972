/**
 * The enricher's work for one input partition of raw-readings, without any I/O: records in, output records
 * and changelog writes out. The Kafka adapter commits each result atomically (one transaction per batch).
 * Handles duplicates, the grace period for readings whose reference data is not there yet, alarms with
 * hysteresis, and device silence. With `input: 'alarm-inputs'` it is the alarm stage of the Flink engine: its
 * records were joined by the Flink job (`alarm-input.ts`), and it keeps only the alarms and device silence.
 */
import {
  deadLetterOriginal,
  stepAlarm,
  TOPICS,
  type ActiveAlarm,
  type AlertEvent,
  type DeadLetter,
  type EnrichedReading,
  type Reading,
  type RejectReason,
  type ThresholdBand,
} from '@vitals/shared';
import {
  changelogKey,
  type AlarmEntry,
  type ChangelogWrite,
  type DeviceEntry,
  type HeldEntry,
  type Placement,
  type RestoredState,
} from './changelog.js';
import { decodeAlarmInput } from './alarm-input.js';
import { DedupeWindow } from './dedupe-window.js';
import { decodeRawReading, joinReading } from './enrich.js';
import type { ReferenceState } from './reference-state.js';

export interface RawRecord {
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
}

export interface OutRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  /** Input offset the record comes from (lineage header `vitals-source`). */
  readonly source?: string;
}

export interface Counts {
  enriched: number;
  deadLettered: Partial<Record<RejectReason, number>>;
  duplicates: number;
  held: number;
  alerts: number;
}

export interface Effects {
  readonly out: OutRecord[];
  readonly changelog: ChangelogWrite[];
  readonly counts: Counts;
}

export interface ProcessorOptions {
  readonly topic: string;
  readonly partition: number;
  readonly graceMs: number;
  readonly dedupeWindowMs: number;
  readonly deviceSilenceMs: number;
  /** What the input records are: raw readings to join (default), or readings the Flink job joined. */
  readonly input?: 'raw-readings' | 'alarm-inputs';
  /** Output topics other than the standard ones (tests). */
  readonly outputs?: { readonly alerts?: string; readonly dlq?: string };
}

function emptyEffects(): Effects {
  return { out: [], changelog: [], counts: { enriched: 0, deadLettered: {}, duplicates: 0, held: 0, alerts: 0 } };
}

export class PartitionProcessor {
  private readonly dedupe: DedupeWindow;
  private readonly alarms = new Map<string, AlarmEntry>();
  private readonly held = new Map<string, HeldEntry>();
  private readonly devices = new Map<string, DeviceEntry>();
  private heldTriedAtRevision = -1;
  private readonly alertsTopic: string;
  private readonly dlqTopic: string;

  constructor(
    private readonly opts: ProcessorOptions,
    private readonly state: ReferenceState,
  ) {
    this.dedupe = new DedupeWindow(opts.dedupeWindowMs);
    this.alertsTopic = opts.outputs?.alerts ?? TOPICS.alerts;
    this.dlqTopic = opts.outputs?.dlq ?? TOPICS.readingsDlq;
  }

  /** Loads the state of the changelog. */
  restore(restored: RestoredState): void {
    for (const [k, v] of restored.alarms) this.alarms.set(k, v);
    for (const [k, v] of restored.held) {
      this.held.set(k, v);
      this.dedupe.add(k, v.heldAtMs);
    }
    for (const [k, v] of restored.devices) this.devices.set(k, v);
  }

  /** Re-learns a reading id processed before a restart (from re-reading the input). */
  rememberProcessed(readingId: string, arrivalMs: number): void {
    this.dedupe.add(readingId, arrivalMs);
  }

  get heldCount(): number {
    return this.held.size;
  }

  get dedupeSize(): number {
    return this.dedupe.size;
  }

  process(records: readonly RawRecord[], nowMs: number): Effects {
    const fx = emptyEffects();
    for (const r of records) this.processOne(r, nowMs, fx);
    this.releaseHeld(nowMs, fx);
    return fx;
  }

  /** Periodic work without new input: held readings whose grace ended or whose reference data arrived, silent devices. */
  tick(nowMs: number): Effects {
    const fx = emptyEffects();
    this.releaseHeld(nowMs, fx);
    this.checkSilence(nowMs, fx);
    this.dedupe.evict(nowMs);
    return fx;
  }

  private processOne(r: RawRecord, nowMs: number, fx: Effects): void {
    if (this.opts.input === 'alarm-inputs') {
      this.processAlarmInput(r, nowMs, fx);
      return;
    }
    const decoded = decodeRawReading(r.value, nowMs);
    if (!decoded.ok) {
      this.deadLetter(fx, decoded.reason, decoded.detail, r, nowMs, false);
      return;
    }
    const { reading, measuredAtMs } = decoded;
    if (this.dedupe.has(reading.readingId)) {
      fx.counts.duplicates++;
      return;
    }
    this.dedupe.add(reading.readingId, nowMs);
    const joined = joinReading(reading, measuredAtMs, this.state, nowMs);
    if (joined.kind === 'unmatched') {
      const entry: HeldEntry = { value: r.value ?? '', key: r.key, offset: r.offset, heldAtMs: nowMs, reason: joined.reason };
      if (this.opts.graceMs <= 0) {
        this.deadLetter(fx, joined.reason, joined.detail, r, nowMs, false, reading);
        return;
      }
      this.held.set(reading.readingId, entry);
      fx.changelog.push({ key: changelogKey.held(reading.readingId), value: JSON.stringify(entry) });
      fx.counts.held++;
      return;
    }
    this.emitEnriched(joined.record, joined.bands, measuredAtMs, nowMs, fx, r.offset);
  }

  /** The alarm stage: a reading the Flink job enriched, with its placement and bands. */
  private processAlarmInput(r: RawRecord, nowMs: number, fx: Effects): void {
    const decoded = decodeAlarmInput(r.value);
    if (!decoded.ok) {
      this.deadLetter(fx, 'MALFORMED', `not an alarm input: ${decoded.detail}`, r, nowMs, false);
      return;
    }
    const { reading, measuredAtMs, placement, bands } = decoded;
    if (this.dedupe.has(reading.readingId)) {
      fx.counts.duplicates++;
      return;
    }
    this.dedupe.add(reading.readingId, nowMs);
    if (reading.historical) return;
    this.markAlive(reading.deviceId, placement, nowMs, fx);
    this.evaluateAlarm(reading, placement, bands, measuredAtMs, fx);
  }

  private emitEnriched(
    record: EnrichedReading,
    bands: ThresholdBand[],
    measuredAtMs: number,
    nowMs: number,
    fx: Effects,
    source: string,
  ): void {
    fx.out.push({ topic: TOPICS.enrichedReadings, key: record.patientId, value: JSON.stringify(record), source });
    fx.counts.enriched++;
    const reading = record.reading;
    if (reading.historical) return;
    const placement: Placement = {
      customerId: record.customerId,
      patientId: record.patientId,
      departmentId: record.departmentId,
      bedId: record.bedId,
    };
    this.markAlive(reading.deviceId, placement, nowMs, fx);
    this.evaluateAlarm(reading, placement, bands, measuredAtMs, fx);
  }

  private evaluateAlarm(reading: Reading, placement: Placement, bands: ThresholdBand[], measuredAtMs: number, fx: Effects): void {
    const key = `${reading.deviceId}|${reading.metric}`;
    let entry = this.alarms.get(key);
    // The device now measures another patient: the old patient's alarm ends.
    if (entry && entry.patientId !== placement.patientId) {
      this.emitAlarm(entry, 'clear', entry.alarm, reading, measuredAtMs, fx);
      entry = undefined;
      this.alarms.delete(key);
      fx.changelog.push({ key: changelogKey.alarm(reading.deviceId, reading.metric), value: null });
    }
    const step = stepAlarm(entry?.alarm, reading.value, bands, measuredAtMs, () => reading.readingId);
    if (step.transition.kind === 'none') {
      if (entry && step.state && step.state !== entry.alarm)
        this.storeAlarm(key, reading, { ...placement, alarm: step.state }, fx);
      return;
    }
    if (step.transition.kind === 'clear') {
      this.emitAlarm(
        entry ?? { ...placement, alarm: step.transition.previous },
        'clear',
        step.transition.previous,
        reading,
        measuredAtMs,
        fx,
      );
      this.alarms.delete(key);
      fx.changelog.push({ key: changelogKey.alarm(reading.deviceId, reading.metric), value: null });
      return;
    }
    const next: AlarmEntry = { ...placement, alarm: step.transition.alarm };
    this.emitAlarm(next, step.transition.kind, step.transition.alarm, reading, measuredAtMs, fx);
    this.storeAlarm(key, reading, next, fx);
  }

  private storeAlarm(key: string, reading: Reading, entry: AlarmEntry, fx: Effects): void {
    this.alarms.set(key, entry);
    fx.changelog.push({ key: changelogKey.alarm(reading.deviceId, reading.metric), value: JSON.stringify(entry) });
  }

  private emitAlarm(
    placement: Placement,
    kind: AlertEvent['kind'],
    alarm: ActiveAlarm,
    reading: Reading,
    measuredAtMs: number,
    fx: Effects,
  ): void {
    const event: AlertEvent = {
      alertId: alarm.episodeId,
      kind,
      category: 'physiological',
      customerId: placement.customerId,
      patientId: placement.patientId,
      departmentId: placement.departmentId,
      bedId: placement.bedId,
      deviceId: reading.deviceId,
      metric: reading.metric,
      condition: alarm.side,
      priority: alarm.priority,
      value: reading.value,
      readingId: reading.readingId,
      at: new Date(measuredAtMs).toISOString(),
    };
    fx.out.push({ topic: this.alertsTopic, key: placement.patientId, value: JSON.stringify(event) });
    fx.counts.alerts++;
  }

  private markAlive(deviceId: string, placement: Placement, nowMs: number, fx: Effects): void {
    const prev = this.devices.get(deviceId);
    if (prev?.silentEpisode) {
      const event: AlertEvent = {
        alertId: prev.silentEpisode,
        kind: 'clear',
        category: 'technical',
        customerId: prev.customerId,
        patientId: prev.patientId,
        departmentId: prev.departmentId,
        bedId: prev.bedId,
        deviceId,
        condition: 'device-offline',
        priority: 'medium',
        at: new Date(nowMs).toISOString(),
      };
      fx.out.push({ topic: this.alertsTopic, key: prev.patientId, value: JSON.stringify(event) });
      fx.counts.alerts++;
    }
    const entry: DeviceEntry = { ...placement, lastSeenMs: nowMs };
    this.devices.set(deviceId, entry);
    // Liveness is written at most once a second per device, or when the placement or silence changed.
    if (!prev || prev.silentEpisode || prev.patientId !== placement.patientId || nowMs - prev.lastSeenMs >= 1_000) {
      fx.changelog.push({ key: changelogKey.device(deviceId), value: JSON.stringify(entry) });
    } else {
      this.devices.set(deviceId, { ...entry, lastSeenMs: prev.lastSeenMs });
    }
  }

  private checkSilence(nowMs: number, fx: Effects): void {
    for (const [deviceId, entry] of this.devices) {
      if (entry.silentEpisode || nowMs - entry.lastSeenMs < this.opts.deviceSilenceMs) continue;
      const assignment = this.state.assignmentAt(deviceId, nowMs);
      if (!assignment || assignment.patientId !== entry.patientId) {
        // No longer assigned (discharged, moved): nothing to watch.
        this.devices.delete(deviceId);
        fx.changelog.push({ key: changelogKey.device(deviceId), value: null });
        continue;
      }
      const episode = `${deviceId}|offline|${entry.lastSeenMs}`;
      const next: DeviceEntry = { ...entry, silentEpisode: episode };
      this.devices.set(deviceId, next);
      fx.changelog.push({ key: changelogKey.device(deviceId), value: JSON.stringify(next) });
      const event: AlertEvent = {
        alertId: episode,
        kind: 'raise',
        category: 'technical',
        customerId: entry.customerId,
        patientId: entry.patientId,
        departmentId: entry.departmentId,
        bedId: entry.bedId,
        deviceId,
        condition: 'device-offline',
        priority: 'medium',
        at: new Date(nowMs).toISOString(),
      };
      fx.out.push({ topic: this.alertsTopic, key: entry.patientId, value: JSON.stringify(event) });
      fx.counts.alerts++;
    }
  }

  /** Retries held readings when the reference state changed; dead-letters those whose grace ended. */
  private releaseHeld(nowMs: number, fx: Effects): void {
    if (this.held.size === 0) return;
    const changed = this.state.revision !== this.heldTriedAtRevision;
    this.heldTriedAtRevision = this.state.revision;
    for (const [readingId, entry] of this.held) {
      const expired = nowMs - entry.heldAtMs >= this.opts.graceMs;
      if (!changed && !expired) continue;
      const decoded = decodeRawReading(entry.value, nowMs);
      if (!decoded.ok) {
        this.unhold(readingId, fx);
        this.deadLetter(
          fx,
          decoded.reason,
          decoded.detail,
          { offset: entry.offset, key: entry.key, value: entry.value },
          nowMs,
          true,
        );
        continue;
      }
      const joined = joinReading(decoded.reading, decoded.measuredAtMs, this.state, nowMs);
      if (joined.kind === 'enriched') {
        this.unhold(readingId, fx);
        this.emitEnriched(joined.record, joined.bands, decoded.measuredAtMs, nowMs, fx, entry.offset);
      } else if (expired) {
        this.unhold(readingId, fx);
        this.deadLetter(
          fx,
          joined.reason,
          joined.detail,
          { offset: entry.offset, key: entry.key, value: entry.value },
          nowMs,
          true,
          decoded.reading,
        );
      }
    }
  }

  private unhold(readingId: string, fx: Effects): void {
    this.held.delete(readingId);
    fx.changelog.push({ key: changelogKey.held(readingId), value: null });
  }

  private deadLetter(
    fx: Effects,
    reason: RejectReason,
    detail: string,
    r: RawRecord,
    nowMs: number,
    afterGrace: boolean,
    reading?: Reading,
  ): void {
    let fields: Partial<Pick<DeadLetter, 'readingId' | 'deviceId' | 'measuredAt'>> = {};
    if (reading) fields = { readingId: reading.readingId, deviceId: reading.deviceId, measuredAt: reading.measuredAt };
    else if (r.value) {
      // Best effort: name the reading even when it failed validation.
      try {
        const v = JSON.parse(r.value) as Record<string, unknown>;
        if (typeof v.readingId === 'string') fields.readingId = v.readingId;
        if (typeof v.deviceId === 'string') fields.deviceId = v.deviceId;
        if (typeof v.measuredAt === 'string') fields.measuredAt = v.measuredAt;
      } catch {
        /* not JSON: nothing to name */
      }
    }
    const letter: DeadLetter = {
      reason,
      detail,
      source: { topic: this.opts.topic, partition: this.opts.partition, offset: r.offset },
      ...fields,
      ...deadLetterOriginal(r.value),
      at: new Date(nowMs).toISOString(),
    };
    if (afterGrace) letter.afterGrace = true;
    fx.out.push({ topic: this.dlqTopic, key: r.key, value: JSON.stringify(letter), source: r.offset });
    fx.counts.deadLettered[reason] = (fx.counts.deadLettered[reason] ?? 0) + 1;
  }
}
