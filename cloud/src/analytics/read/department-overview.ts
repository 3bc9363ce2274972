/**
 * A department's overview from the newest window of every metric of each patient seen there: the latest value
 * of each metric and the NEWS2 total of the latest sub-scores (the parameters a monitor measures; consciousness
 * and oxygen come from nursing input and are not part of it). A patient whose newest reading was in another
 * department (transferred) is left out. Pure.
 */
import { news2Total, type MetricCode, type News2Risk } from '@vitals/shared';
import type { WindowRow } from '../windows/window-row.js';

export interface MetricLatest {
  readonly value: number;
  readonly measuredAt: string;
  readonly news2: number | null;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly count: number;
  readonly avg: number;
  readonly min: number;
  readonly max: number;
}

export interface PatientOverview {
  readonly patientId: string;
  readonly bedId: string | null;
  readonly lastMeasuredAt: string;
  readonly news2: { readonly total: number; readonly risk: News2Risk; readonly scored: readonly string[] };
  readonly metrics: Readonly<Record<string, MetricLatest>>;
}

export function departmentOverview(departmentId: string, rows: readonly WindowRow[]): PatientOverview[] {
  const byPatient = new Map<string, WindowRow[]>();
  for (const r of rows) {
    let list = byPatient.get(r.groupId);
    if (!list) byPatient.set(r.groupId, (list = []));
    list.push(r);
  }
  const out: PatientOverview[] = [];
  for (const [patientId, list] of byPatient) {
    const newest = list.reduce((a, b) => (b.lastMeasuredAt > a.lastMeasuredAt ? b : a));
    if (newest.departmentId !== departmentId) continue;
    const metrics: Record<string, MetricLatest> = {};
    const scores: Partial<Record<MetricCode, number>> = {};
    for (const r of list.sort((a, b) => a.metric.localeCompare(b.metric))) {
      metrics[r.metric] = {
        value: r.last,
        measuredAt: new Date(r.lastMeasuredAt).toISOString(),
        news2: r.lastNews2,
        windowStart: new Date(r.windowStart).toISOString(),
        windowEnd: new Date(r.windowEnd).toISOString(),
        count: r.count,
        avg: Math.round((r.sum / r.count) * 1000) / 1000,
        min: r.min,
        max: r.max,
      };
      if (r.lastNews2 !== null) scores[r.metric as MetricCode] = r.lastNews2;
    }
    const total = news2Total(scores);
    out.push({
      patientId,
      bedId: newest.bedId,
      lastMeasuredAt: new Date(newest.lastMeasuredAt).toISOString(),
      news2: { total: total.total, risk: total.risk, scored: Object.keys(scores).sort() },
      metrics,
    });
  }
  return out.sort((a, b) => b.news2.total - a.news2.total || a.patientId.localeCompare(b.patientId));
}
