/**
 * A department's overview as the dashboard keeps it: every patient's latest value per metric and the NEWS2 total
 * of those values, from the REST overview and then from each live window row. Pure.
 */
import { news2SubScore, news2Total, type News2Risk } from '../../../shared/src/news2.js';
import type { MetricCode } from '../../../shared/src/metric-catalog.js';
import type { RowObject } from './stream.js';

export interface LatestValue {
  readonly value: number;
  readonly measuredAt: string;
}

export interface PatientOverview {
  readonly patientId: string;
  readonly bedId: string | null;
  readonly lastMeasuredAt: string | null;
  readonly news2: { readonly total: number; readonly risk: News2Risk; readonly scored: readonly string[] };
  readonly metrics: Readonly<Record<string, LatestValue>>;
  /** Changed by the live stream since the page loaded. */
  readonly live: boolean;
}

export type Overview = Readonly<Record<string, PatientOverview>>;

/** The REST answer of `GET /v1/analytics/departments/:id/overview`. */
export interface OverviewResponse {
  readonly patients: ReadonlyArray<{
    readonly patientId: string;
    readonly bedId: string | null;
    readonly lastMeasuredAt: string;
    readonly metrics: Readonly<Record<string, { value: number; measuredAt: string }>>;
  }>;
}

export function scoreOf(metrics: Readonly<Record<string, LatestValue>>): PatientOverview['news2'] {
  const scores: Partial<Record<MetricCode, number>> = {};
  for (const [m, v] of Object.entries(metrics)) {
    const s = news2SubScore(m as MetricCode, v.value);
    if (s !== undefined) scores[m as MetricCode] = s;
  }
  const t = news2Total(scores);
  return { total: t.total, risk: t.risk, scored: Object.keys(scores).sort() };
}

export function overviewFromRest(r: OverviewResponse): Overview {
  const out: Record<string, PatientOverview> = {};
  for (const p of r.patients) {
    const metrics: Record<string, LatestValue> = {};
    for (const [m, v] of Object.entries(p.metrics)) metrics[m] = { value: v.value, measuredAt: v.measuredAt };
    out[p.patientId] = {
      patientId: p.patientId,
      bedId: p.bedId,
      lastMeasuredAt: p.lastMeasuredAt,
      news2: scoreOf(metrics),
      metrics,
      live: false,
    };
  }
  return out;
}

/** The REST overview, with any newer value that reached `current` live while it was on its way. */
export function mergeRest(current: Overview, r: OverviewResponse): Overview {
  let o = overviewFromRest(r);
  for (const p of Object.values(current)) {
    for (const [metric, v] of Object.entries(p.metrics)) {
      o = applyRow(o, { groupId: p.patientId, metric, last: v.value, lastMeasuredAt: v.measuredAt });
    }
  }
  return o;
}

/** Applies a live row of a patient query (columns groupId, metric, last, lastMeasuredAt, ...). */
export function applyRow(o: Overview, row: RowObject): Overview {
  const patientId = typeof row.groupId === 'string' ? row.groupId : null;
  const metric = typeof row.metric === 'string' ? row.metric : null;
  const value = typeof row.last === 'number' ? row.last : null;
  const measuredAt = typeof row.lastMeasuredAt === 'string' ? row.lastMeasuredAt : null;
  if (!patientId || !metric || value === null || !measuredAt) return o;
  const prev = o[patientId];
  const had = prev?.metrics[metric];
  if (had && had.measuredAt >= measuredAt) return o;
  const metrics = { ...(prev?.metrics ?? {}), [metric]: { value, measuredAt } };
  const lastMeasuredAt = prev?.lastMeasuredAt && prev.lastMeasuredAt > measuredAt ? prev.lastMeasuredAt : measuredAt;
  return {
    ...o,
    [patientId]: { patientId, bedId: prev?.bedId ?? null, lastMeasuredAt, news2: scoreOf(metrics), metrics, live: true },
  };
}

/** Highest NEWS2 first, then by bed label. */
export function sortRows<T extends { news2: { total: number } | null; bedLabel: string }>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) => (b.news2?.total ?? -1) - (a.news2?.total ?? -1) || a.bedLabel.localeCompare(b.bedLabel, 'en', { numeric: true }),
  );
}
