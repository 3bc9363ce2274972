/**
 * Alarm wording: the IEC 60601-1-8 priority in words and with its marker (!!! high, !! medium, ! low), so the
 * state never rests on colour alone. Pure.
 */
import type { AlarmView, MetricInfo } from '../../src/http/ward-view/schemas.js';

export type Priority = AlarmView['priority'];

export const PRIORITY_ORDER: Readonly<Record<Priority, number>> = { high: 3, medium: 2, low: 1 };

export function priorityMarker(p: Priority): string {
  return p === 'high' ? '!!!' : p === 'medium' ? '!!' : '!';
}

export function priorityLabel(p: Priority): string {
  return p === 'high' ? 'High priority' : p === 'medium' ? 'Medium priority' : 'Low priority';
}

/** "Heart rate high: 152 bpm (limit 140)". */
export function alarmMessage(a: AlarmView, metrics: readonly MetricInfo[]): string {
  const m = metrics.find((x) => x.code === a.metric);
  const name = m?.name ?? a.metric;
  const value = m ? a.value.toFixed(m.decimals) : String(a.value);
  const unit = m ? ` ${m.label}` : '';
  const limit = a.limit === null ? '' : ` (limit ${m ? a.limit.toFixed(m.decimals) : a.limit})`;
  return `${name} ${a.side}: ${value}${unit}${limit}`;
}

/** The highest priority among alarms that are not acknowledged, if any. */
export function loudest(alarms: readonly AlarmView[]): Priority | undefined {
  let best: Priority | undefined;
  for (const a of alarms) {
    if (a.acknowledged) continue;
    if (!best || PRIORITY_ORDER[a.priority] > PRIORITY_ORDER[best]) best = a.priority;
  }
  return best;
}

/** Highest priority first, then the oldest. */
export function sortAlarms(alarms: readonly AlarmView[]): AlarmView[] {
  return [...alarms].sort((a, b) => PRIORITY_ORDER[b.priority] - PRIORITY_ORDER[a.priority] || a.since - b.since);
}

export function summariseAlarms(alarms: readonly AlarmView[]): string {
  if (alarms.length === 0) return 'No active alarms';
  const n = (p: Priority) => alarms.filter((a) => a.priority === p).length;
  const parts = (['high', 'medium', 'low'] as const).filter((p) => n(p) > 0).map((p) => `${n(p)} ${p}`);
  const unacked = alarms.filter((a) => !a.acknowledged).length;
  return `${alarms.length} active alarm${alarms.length === 1 ? '' : 's'} (${parts.join(', ')})${unacked < alarms.length ? `, ${alarms.length - unacked} acknowledged` : ''}`;
}
