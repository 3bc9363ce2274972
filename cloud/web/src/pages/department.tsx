import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../app.js';
import { ErrorBox, LiveBadge, Loading, News2Tag, PriorityTag } from '../components.js';
import { formatAge, formatTime, patientName } from '../format.js';
import { useAsync, useFocusHeading, useInterval, useNow, useResyncCount } from '../hooks.js';
import { METRICS, SHORT_NAMES, formatMetric, metricInfo } from '../metrics.js';
import { applyRow, mergeRest, sortRows, type Overview, type OverviewResponse } from '../overview-state.js';
import { href } from '../router.js';
import type { StreamState } from '../stream.js';

export interface Bed {
  id: string;
  label: string;
  departmentId: string;
}
export interface Patient {
  id: string;
  mrn: string;
  givenName: string | null;
  familyName: string | null;
}
export interface Assignment {
  id: string;
  deviceId: string;
  patientId: string;
  bedId: string;
  validFrom: string;
  validTo: string | null;
  version: number;
}
export interface CloudAlert {
  alertId: string;
  patientId: string;
  bedId: string;
  metric: string | null;
  condition: string;
  priority: string;
  value: number | null;
  since: string;
}

interface Reference {
  department: { id: string; name: string; code: string };
  beds: Map<string, Bed>;
  patients: Map<string, Patient>;
  assigned: Map<string, Assignment>;
}

export function alertText(a: CloudAlert): string {
  if (!a.metric) return a.condition.replace(/-/g, ' ');
  const m = metricInfo(a.metric);
  return `${m.name} ${a.condition}${a.value === null ? '' : `: ${formatMetric(a.metric, a.value)} ${m.label}`}`;
}

export function DepartmentPage(props: { ctx: Ctx; departmentId: string }) {
  const { api, stream } = props.ctx;
  const id = props.departmentId;
  const heading = useFocusHeading(id);
  const now = useNow();
  const ref = useAsync(async (): Promise<Reference> => {
    const [department, beds, patients, assignments] = await Promise.all([
      api.get<Reference['department']>(`/api/storage/v1/departments/${id}`),
      api.all<Bed>('/api/storage/v1/beds', { departmentId: id }),
      api.all<Patient>('/api/storage/v1/patients'),
      api.all<Assignment>('/api/storage/v1/assignments', { activeAt: new Date().toISOString() }),
    ]);
    const bedMap = new Map(beds.map((b) => [b.id, b]));
    return {
      department,
      beds: bedMap,
      patients: new Map(patients.map((p) => [p.id, p])),
      assigned: new Map(assignments.filter((a) => bedMap.has(a.bedId)).map((a) => [a.patientId, a])),
    };
  }, [api, id]);
  const [overview, setOverview] = useState<Overview>({});
  const [query, setQuery] = useState<string | null>(null);
  const [overviewError, setOverviewError] = useState<unknown>(undefined);
  const [alerts, setAlerts] = useState<{ available: boolean; alerts: CloudAlert[] } | null>(null);
  const [live, setLive] = useState<StreamState>('connecting');

  // Re-read after the live stream may have missed updates (reconnect, server gap), merging what is newer.
  const resync = useResyncCount(stream);
  useEffect(() => setOverview({}), [id]);
  useEffect(() => {
    let cancelled = false;
    api.get<OverviewResponse & { query: string }>(`/api/analytics/v1/analytics/departments/${id}/overview`).then(
      (r) => {
        if (cancelled) return;
        setOverviewError(undefined);
        setQuery(r.query);
        setOverview((o) => mergeRest(o, r));
      },
      (e: unknown) => !cancelled && setOverviewError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, id, resync]);

  useEffect(() => {
    if (!query) return;
    return stream.subscribe({ query, departmentId: id }, (row) => setOverview((o) => applyRow(o, row)));
  }, [stream, query, id]);
  useEffect(() => stream.onState((s) => setLive(s)), [stream]);

  const loadAlerts = () =>
    api
      .get<{ available: boolean; alerts: CloudAlert[] }>('/api/web/alerts', { departmentId: id })
      .then(setAlerts, () => undefined);
  useEffect(() => {
    void loadAlerts();
  }, [api, id]);
  useInterval(() => void loadAlerts(), 5_000);

  const r = ref.data;
  const patientIds = new Set([...Object.keys(overview), ...(r ? [...r.assigned.keys()] : [])]);
  const rows = sortRows(
    [...patientIds].map((pid) => {
      const o = overview[pid];
      const bedId = r?.assigned.get(pid)?.bedId ?? o?.bedId ?? null;
      return {
        pid,
        o,
        bedLabel: (bedId && r?.beds.get(bedId)?.label) || '–',
        news2: o ? o.news2 : null,
        alerts: (alerts?.alerts ?? []).filter((a) => a.patientId === pid),
      };
    }),
  );
  const shown = METRICS.filter((m) => m.code !== 'nibp_mean');

  return (
    <section>
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {r?.department.name ?? 'Department'} <span class="muted">overview</span>
        </h1>
        <LiveBadge state={live} />
      </div>
      <Loading when={ref.loading && !r} />
      <ErrorBox error={ref.error} what="The department could not be loaded" />
      <ErrorBox error={overviewError} what="The analytics overview could not be loaded" />
      {alerts && !alerts.available ? <p class="muted">Cloud alerts are not available right now.</p> : null}
      <table class="overview" data-testid="overview">
        <caption>
          Every patient's latest vital signs, NEWS2 total and active alerts; highest NEWS2 first. Values update live.
        </caption>
        <thead>
          <tr>
            <th scope="col">Bed</th>
            <th scope="col">Patient</th>
            <th scope="col">NEWS2</th>
            {shown.map((m) => (
              <th scope="col" key={m.code}>
                <abbr title={`${m.name} (${m.label})`}>{SHORT_NAMES[m.code]}</abbr>
              </th>
            ))}
            <th scope="col">Updated</th>
            <th scope="col">Active alerts</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ pid, o, bedLabel, alerts: list }) => (
            <tr key={pid} data-patient={pid} class={list.some((a) => a.priority === 'high') ? 'row-high' : ''}>
              <td>{bedLabel}</td>
              <th scope="row">
                <a href={href.patient(pid)}>{r ? patientName(r.patients.get(pid)) : pid}</a>
              </th>
              <td>
                <News2Tag total={o ? o.news2.total : null} risk={o ? o.news2.risk : null} />
              </td>
              {shown.map((m) => {
                const v = o?.metrics[m.code];
                return (
                  <td
                    key={m.code}
                    class="num"
                    data-metric={m.code}
                    title={v ? `${m.name}, measured ${formatTime(v.measuredAt)}` : m.name}
                  >
                    {formatMetric(m.code, v?.value)}
                  </td>
                );
              })}
              <td class="muted">{o?.lastMeasuredAt ? formatAge(now - Date.parse(o.lastMeasuredAt)) : 'no recent readings'}</td>
              <td>
                {list.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ul class="alert-list">
                    {list.map((a) => (
                      <li key={a.alertId}>
                        <PriorityTag priority={a.priority} /> {alertText(a)}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r && rows.length === 0 ? <p>No patients with recent readings or admitted to a bed of this department.</p> : null}
    </section>
  );
}
