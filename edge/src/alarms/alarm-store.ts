/**
 * The active local alarms in the buffer's SQLite file (schema migration 3), so a gateway restart (a crash, an
 * update, a power cut) keeps what the nurses' station shows: the alarm, its priority and limit, and whether and
 * by whom it was acknowledged. Written with the alarm log, in one transaction per batch of transitions; read
 * once at start.
 */
import type { ActiveAlarm } from '@vitals/shared';
import type { Db } from '../buffer/open-database.js';
import type { ActiveAlarmView } from '../local-state.js';
import type { AlarmLog, AlarmLogEntry } from './alarm-log.js';

export interface StoredAlarm {
  readonly deviceId: string;
  readonly metric: string;
  readonly alarm: ActiveAlarm;
  readonly view: ActiveAlarmView;
  readonly lastMeasuredAtMs: number;
}

/** An alarm to keep (active) or to forget (cleared) for a device and metric. */
export type AlarmStateChange =
  | { readonly kind: 'keep'; readonly stored: StoredAlarm }
  | { readonly kind: 'forget'; readonly deviceId: string; readonly metric: string };

export interface AlarmStore {
  /** The alarms active when the gateway stopped. A row that cannot be read is skipped and reported. */
  load(onUnreadable: (deviceId: string, metric: string, err: unknown) => void): StoredAlarm[];
  /** Writes the log entries and the state changes of one batch, together. */
  commit(entries: readonly AlarmLogEntry[], changes: readonly AlarmStateChange[]): void;
}

export function createAlarmStore(db: Db, alarmLog: AlarmLog): AlarmStore {
  const upsert = db.prepare(
    `INSERT INTO alarm_state (device_id, metric, alarm, view, last_measured_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (device_id, metric) DO UPDATE SET alarm = excluded.alarm, view = excluded.view,
       last_measured_at = excluded.last_measured_at`,
  );
  const remove = db.prepare('DELETE FROM alarm_state WHERE device_id = ? AND metric = ?');
  const all = db.prepare('SELECT device_id, metric, alarm, view, last_measured_at FROM alarm_state');
  const write = db.transaction((entries: readonly AlarmLogEntry[], changes: readonly AlarmStateChange[]) => {
    alarmLog.append(entries);
    for (const c of changes) {
      if (c.kind === 'forget') remove.run(c.deviceId, c.metric);
      else {
        const s = c.stored;
        upsert.run(s.deviceId, s.metric, JSON.stringify(s.alarm), JSON.stringify(s.view), s.lastMeasuredAtMs);
      }
    }
  });
  return {
    load(onUnreadable) {
      const out: StoredAlarm[] = [];
      for (const row of all.all() as Array<Record<string, unknown>>) {
        const deviceId = String(row.device_id);
        const metric = String(row.metric);
        try {
          out.push({
            deviceId,
            metric,
            alarm: JSON.parse(String(row.alarm)) as ActiveAlarm,
            view: JSON.parse(String(row.view)) as ActiveAlarmView,
            lastMeasuredAtMs: Number(row.last_measured_at),
          });
        } catch (err) {
          onUnreadable(deviceId, metric, err);
        }
      }
      return out;
    },
    commit(entries, changes) {
      if (entries.length > 0 || changes.length > 0) write(entries, changes);
    },
  };
}
