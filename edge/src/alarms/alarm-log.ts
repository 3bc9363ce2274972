/**
 * The local alarm log in the buffer's SQLite file (schema migration 2): every raise, escalation, de-escalation,
 * clear and acknowledgement, with who acknowledged; bounded to the newest `maxRows`. One transaction per batch of
 * events (a group commit's readings), statements prepared once.
 */
import type { Db } from '../buffer/open-database.js';

export interface AlarmLogEntry {
  readonly atMs: number;
  readonly alarmId: string;
  readonly event: string;
  readonly deviceId: string;
  readonly bedId: string | null;
  readonly patientId: string | null;
  readonly metric: string;
  readonly priority: string | null;
  readonly value: number | null;
  readonly actor: string | null;
  readonly configVersion: number;
}

export interface AlarmLog {
  append(entries: readonly AlarmLogEntry[]): void;
  /** Newest first. */
  recent(limit: number): AlarmLogEntry[];
}

export function createAlarmLog(db: Db, maxRows: number): AlarmLog {
  const insert = db.prepare(
    `INSERT INTO alarm_log (at, alarm_id, event, device_id, bed_id, patient_id, metric, priority, value, actor, config_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trim = db.prepare('DELETE FROM alarm_log WHERE id <= (SELECT max(id) FROM alarm_log) - ?');
  const recent = db.prepare(
    `SELECT at, alarm_id, event, device_id, bed_id, patient_id, metric, priority, value, actor, config_version
       FROM alarm_log ORDER BY id DESC LIMIT ?`,
  );
  const write = db.transaction((entries: readonly AlarmLogEntry[]) => {
    for (const e of entries) {
      insert.run(
        e.atMs,
        e.alarmId,
        e.event,
        e.deviceId,
        e.bedId,
        e.patientId,
        e.metric,
        e.priority,
        e.value,
        e.actor,
        e.configVersion,
      );
    }
    trim.run(maxRows);
  });
  return {
    append(entries) {
      if (entries.length > 0) write(entries);
    },
    recent(limit) {
      return (recent.all(limit) as Array<Record<string, unknown>>).map((r) => ({
        atMs: Number(r.at),
        alarmId: String(r.alarm_id),
        event: String(r.event),
        deviceId: String(r.device_id),
        bedId: (r.bed_id as string | null) ?? null,
        patientId: (r.patient_id as string | null) ?? null,
        metric: String(r.metric),
        priority: (r.priority as string | null) ?? null,
        value: (r.value as number | null) ?? null,
        actor: (r.actor as string | null) ?? null,
        configVersion: Number(r.config_version),
      }));
    },
  };
}
