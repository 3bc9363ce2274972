/**
 * Local alarms: every committed reading goes through the shared alarm state machine (`stepAlarm`: raise,
 * escalate, de-escalate, clear, with hysteresis) under the bands of the applied configuration (the patient's
 * rules over the department level over the catalog defaults), so the ward is alarmed with the uplink down. One
 * alarm per device and metric; the episode id is the id of the reading that raised it.
 *
 * - Readings measured more than `liveWindowMs` before they were received (a device replaying its memory after a
 *   reconnect) are historical: they never change an alarm. So are readings older than the last one seen for the
 *   same device and metric.
 * - A device whose settings disable alarms has none (an active one clears).
 * - Acknowledging silences an alarm for the nurses' view until it escalates (then it alerts again); it is logged.
 * - A configuration change takes effect with each device's next reading (the state machine lets the new rules
 *   decide), and active alarms are relabelled at once with the new bed and patient.
 * Transitions go to the local state (nurses' view), the log (pino, without patient names) and the SQLite alarm log;
 * the active alarms are kept in SQLite with it and restored at start, so a restart neither forgets an alarm nor
 * its acknowledgement (a restored alarm goes on from its state with the next reading).
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { stepAlarm, type ActiveAlarm, type Clock, type MetricCode } from '@vitals/shared';
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config-sync/compiled-config.js';
import type { CommittedReading } from '../ingest/types.js';
import type { ActiveAlarmView, AlarmChangeKind, LocalState } from '../local-state.js';
import type { AlarmLogEntry } from './alarm-log.js';
import type { AlarmStateChange, AlarmStore } from './alarm-store.js';

export interface AlarmEngineOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly state: LocalState;
  /** The alarm log and the active alarms in SQLite. */
  readonly store: AlarmStore;
  /** The applied configuration, read for every batch (it is swapped atomically on apply). */
  readonly config: () => CompiledConfig;
  /** Readings measured longer than this before they were received are historical. */
  readonly liveWindowMs: number;
  readonly registry?: Registry;
}

interface Tracked {
  readonly deviceId: string;
  readonly metric: string;
  alarm: ActiveAlarm | undefined;
  view: ActiveAlarmView | undefined;
  lastMeasuredAtMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class AlarmEngine {
  private readonly tracked = new Map<string, Tracked>();
  private readonly transitions: Counter<'kind' | 'priority'>;

  constructor(private readonly o: AlarmEngineOptions) {
    const registers = o.registry ? [o.registry] : [];
    this.transitions = new Counter({
      name: 'edge_alarm_transitions_total',
      help: 'Local alarm transitions (raise, escalate, de-escalate, clear, acknowledge), by priority',
      labelNames: ['kind', 'priority'] as const,
      registers,
    });
    const state = o.state;
    new Gauge({
      name: 'edge_alarms_active',
      help: 'Local alarms active now',
      registers,
      collect() {
        this.set(state.activeAlarms().length);
      },
    });
    this.restore();
  }

  /** The alarms active when the gateway stopped, back in the nurses' view as they were. */
  private restore(): void {
    const stored = this.o.store.load((deviceId, metric, err) =>
      this.o.log.error({ err, deviceId, metric }, 'a stored local alarm cannot be read; it is dropped'),
    );
    for (const s of stored) {
      this.tracked.set(`${s.deviceId}|${s.metric}`, {
        deviceId: s.deviceId,
        metric: s.metric,
        alarm: s.alarm,
        view: s.view,
        lastMeasuredAtMs: s.lastMeasuredAtMs,
      });
      this.o.state.recordAlarm({ kind: 'update', alarm: s.view });
    }
    if (stored.length > 0) this.o.log.warn({ alarms: stored.length }, 'local alarms restored from the buffer');
  }

  /** Evaluates a committed batch (called from the local state's `readings` event). */
  onReadings(readings: readonly CommittedReading[]): void {
    const config = this.o.config();
    const log: AlarmLogEntry[] = [];
    const dirty = new Set<Tracked>();
    for (const r of readings) {
      if (r.receivedAtMs - r.measuredAtMs > this.o.liveWindowMs) continue;
      const key = `${r.deviceId}|${r.metric}`;
      const t = this.tracked.get(key) ?? {
        deviceId: r.deviceId,
        metric: r.metric,
        alarm: undefined,
        view: undefined,
        lastMeasuredAtMs: -Infinity,
      };
      if (r.measuredAtMs < t.lastMeasuredAtMs) continue;
      t.lastMeasuredAtMs = r.measuredAtMs;
      this.tracked.set(key, t);
      if (!config.alarmsEnabled(r.deviceId)) {
        if (t.view) this.change(t, 'clear', t.view, log, r.measuredAtMs, 'alarms disabled for the device');
        if (t.alarm || t.view) dirty.add(t);
        t.alarm = undefined;
        t.view = undefined;
        continue;
      }
      const step = stepAlarm(t.alarm, r.value, config.bands(r.deviceId, r.metric), r.measuredAtMs, () => r.readingId);
      // Kept when the state machine's state changes (a transition, or the band that holds it after a rule
      // change), not for every reading of an unchanged alarm.
      if (step.state !== t.alarm) dirty.add(t);
      t.alarm = step.state;
      const tr = step.transition;
      if (tr.kind === 'none') {
        if (t.view && step.state) {
          const next = { ...t.view, value: r.value, updatedAt: iso(r.measuredAtMs), limit: limitOf(step.state) };
          t.view = next;
          this.o.state.recordAlarm({ kind: 'update', alarm: next });
        }
        continue;
      }
      if (tr.kind === 'clear') {
        if (t.view) this.change(t, 'clear', { ...t.view, value: r.value, updatedAt: iso(r.measuredAtMs) }, log, r.measuredAtMs);
        t.view = undefined;
        continue;
      }
      const placement = config.placement(r.deviceId);
      const base: ActiveAlarmView = t.view ?? {
        id: tr.alarm.episodeId,
        deviceId: r.deviceId,
        bedId: placement?.bedId ?? null,
        bedLabel: placement?.bedLabel ?? null,
        patientId: placement?.patientId ?? null,
        patientDisplayName: placement?.patientDisplayName ?? null,
        metric: r.metric as MetricCode,
        priority: tr.alarm.priority,
        side: tr.alarm.side,
        limit: null,
        value: r.value,
        since: iso(tr.alarm.since),
        updatedAt: iso(r.measuredAtMs),
        acknowledged: false,
        acknowledgedAt: null,
        acknowledgedBy: null,
        configVersion: config.version,
      };
      const next: ActiveAlarmView = {
        ...base,
        priority: tr.alarm.priority,
        side: tr.alarm.side,
        limit: limitOf(tr.alarm),
        value: r.value,
        updatedAt: iso(r.measuredAtMs),
        configVersion: config.version,
        // An escalation alerts again, even if the lower priority was acknowledged.
        ...(tr.kind === 'escalate' ? { acknowledged: false, acknowledgedAt: null, acknowledgedBy: null } : {}),
      };
      t.view = next;
      this.change(t, tr.kind, next, log, r.measuredAtMs);
    }
    this.persist(log, dirty);
  }

  /** Acknowledges an active alarm (the nurses' station); undefined when there is no such active alarm. */
  acknowledge(id: string, actor: string | null): ActiveAlarmView | undefined {
    for (const t of this.tracked.values()) {
      if (t.view?.id !== id) continue;
      if (t.view.acknowledged) return t.view;
      const now = this.o.clock.now();
      const next: ActiveAlarmView = { ...t.view, acknowledged: true, acknowledgedAt: iso(now), acknowledgedBy: actor };
      t.view = next;
      const log: AlarmLogEntry[] = [];
      this.change(t, 'acknowledge', next, log, now, undefined, actor);
      this.persist(log, new Set([t]));
      return next;
    }
    return undefined;
  }

  /** The applied configuration changed: relabel active alarms with their device's new bed and patient. */
  relabel(): void {
    const config = this.o.config();
    const dirty = new Set<Tracked>();
    for (const t of this.tracked.values()) {
      if (!t.view) continue;
      const p = config.placement(t.view.deviceId);
      const next: ActiveAlarmView = {
        ...t.view,
        bedId: p?.bedId ?? null,
        bedLabel: p?.bedLabel ?? null,
        patientId: p?.patientId ?? null,
        patientDisplayName: p?.patientDisplayName ?? null,
      };
      if (JSON.stringify(next) === JSON.stringify(t.view)) continue;
      t.view = next;
      dirty.add(t);
      this.o.state.recordAlarm({ kind: 'update', alarm: next });
    }
    this.persist([], dirty);
  }

  private change(
    _t: Tracked,
    kind: Exclude<AlarmChangeKind, 'update'>,
    view: ActiveAlarmView,
    log: AlarmLogEntry[],
    atMs: number,
    why?: string,
    actor: string | null = null,
  ): void {
    this.transitions.inc({ kind, priority: view.priority });
    this.o.state.recordAlarm({ kind, alarm: view });
    const fields = {
      alarmId: view.id,
      deviceId: view.deviceId,
      bed: view.bedLabel,
      metric: view.metric,
      priority: view.priority,
      side: view.side,
      value: view.value,
      limit: view.limit,
      configVersion: view.configVersion,
      ...(actor ? { actor } : {}),
      ...(why ? { why } : {}),
    };
    if (kind === 'raise' || kind === 'escalate') this.o.log.warn(fields, `local alarm ${kind}`);
    else this.o.log.info(fields, `local alarm ${kind}`);
    log.push({
      atMs,
      alarmId: view.id,
      event: kind,
      deviceId: view.deviceId,
      bedId: view.bedId,
      patientId: view.patientId,
      metric: view.metric,
      priority: view.priority,
      value: view.value,
      actor,
      configVersion: view.configVersion,
    });
  }

  private persist(entries: readonly AlarmLogEntry[], dirty: ReadonlySet<Tracked>): void {
    const changes: AlarmStateChange[] = [...dirty].map((t) =>
      t.alarm && t.view
        ? {
            kind: 'keep',
            stored: {
              deviceId: t.deviceId,
              metric: t.metric,
              alarm: t.alarm,
              view: t.view,
              lastMeasuredAtMs: t.lastMeasuredAtMs,
            },
          }
        : { kind: 'forget', deviceId: t.deviceId, metric: t.metric },
    );
    try {
      this.o.store.commit(entries, changes);
    } catch (err) {
      this.o.log.error({ err }, 'alarm log and state not written (the alarms are active regardless)');
    }
  }
}

function limitOf(a: ActiveAlarm): number | null {
  return (a.side === 'high' ? a.band.high : a.band.low) ?? null;
}
