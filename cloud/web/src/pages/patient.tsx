import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Ctx } from '../app.js';
import { WindowChart } from '../chart.js';
import { toSeries, upsertWindow, windowOf, type WindowPoint } from '../chart-data.js';
import { ErrorBox, LiveBadge, Loading, News2Tag, PriorityTag } from '../components.js';
import { formatAge, formatTime, patientName, RISK_LABEL } from '../format.js';
import { useAsync, useFocusHeading, useInterval, useNow, useResyncCount } from '../hooks.js';
import { METRICS, formatMetric } from '../metrics.js';
import { scoreOf, type LatestValue } from '../overview-state.js';
import { href } from '../router.js';
import type { StreamState } from '../stream.js';
import { alertText, type Assignment, type Bed, type CloudAlert, type Patient } from './department.js';

export const RESOLUTIONS = [
  { query: 'patient-1m', label: '1 minute' },
  { query: 'patient-5m', label: '5 minutes' },
] as const;

export const RANGES = [
  { ms: 3_600_000, label: 'Last hour' },
  { ms: 6 * 3_600_000, label: 'Last 6 hours' },
  { ms: 24 * 3_600_000, label: 'Last 24 hours' },
  { ms: 48 * 3_600_000, label: 'Last 48 hours' },
] as const;

type Series = Readonly<Record<string, WindowPoint[]>>;

export function PatientPage(props: { ctx: Ctx; patientId: string }) {
  const { api, stream } = props.ctx;
  const id = props.patientId;
  const heading = useFocusHeading(id);
  const now = useNow();
  const [query, setQuery] = useState<string>(RESOLUTIONS[0].query);
  const [rangeMs, setRangeMs] = useState<number>(RANGES[0].ms);
  const [series, setSeries] = useState<Series>({});
  const [latest, setLatest] = useState<Record<string, LatestValue>>({});
  const [seriesError, setSeriesError] = useState<unknown>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [live, setLive] = useState<StreamState>('connecting');
  const [alerts, setAlerts] = useState<CloudAlert[]>([]);
  const [to, setTo] = useState(() => Date.now());
  const from = to - rangeMs;

  const info = useAsync(async () => {
    const [patient, assignments] = await Promise.all([
      api.get<Patient>(`/api/storage/v1/patients/${id}`),
      api.all<Assignment>('/api/storage/v1/assignments', { patientId: id, activeAt: new Date().toISOString() }),
    ]);
    const a = assignments[0];
    const bed = a ? await api.get<Bed>(`/api/storage/v1/beds/${a.bedId}`) : undefined;
    return { patient, assignment: a, bed };
  }, [api, id]);

  // Re-read after the live stream may have missed updates (reconnect, server gap).
  const resync = useResyncCount(stream);
  useEffect(() => setLoaded(false), [id, query, rangeMs]);
  useEffect(() => {
    let cancelled = false;
    const end = Date.now();
    setTo(end);
    const start = end - rangeMs;
    Promise.all(
      METRICS.map((m) =>
        api
          .get<{ windows: Array<Record<string, unknown>> }>(`/api/analytics/v1/analytics/patients/${id}/windows`, {
            query,
            metric: m.code,
            from: new Date(start).toISOString(),
            to: new Date(end).toISOString(),
            limit: 10_000,
          })
          .then((r) => [m.code, r.windows.flatMap((w) => windowOf(w) ?? [])] as const),
      ),
    ).then(
      (pairs) => {
        if (cancelled) return;
        setSeriesError(undefined);
        setSeries(Object.fromEntries(pairs));
        setLoaded(true);
      },
      (e: unknown) => !cancelled && (setSeriesError(e), setLoaded(true)),
    );
    api
      .get<{ windows: Array<{ metric: string; last?: number; lastMeasuredAt?: string }> }>(
        `/api/analytics/v1/analytics/patients/${id}/latest`,
        {
          query,
        },
      )
      .then(
        (r) => {
          if (cancelled) return;
          const l: Record<string, LatestValue> = {};
          for (const w of r.windows)
            if (w.last !== undefined && w.lastMeasuredAt) l[w.metric] = { value: w.last, measuredAt: w.lastMeasuredAt };
          setLatest(l);
        },
        () => undefined,
      );
    return () => {
      cancelled = true;
    };
  }, [api, id, query, rangeMs, resync]);

  useEffect(
    () =>
      stream.subscribe({ query, patientId: id }, (row) => {
        const w = windowOf(row);
        const metric = typeof row.metric === 'string' ? row.metric : null;
        if (!w || !metric) return;
        setSeries((s) => ({ ...s, [metric]: upsertWindow(s[metric] ?? [], w, Date.now() - rangeMs) }));
        setTo(Date.now());
        if (typeof row.last === 'number' && typeof row.lastMeasuredAt === 'string') {
          const v = { value: row.last, measuredAt: row.lastMeasuredAt };
          setLatest((l) => (l[metric] && l[metric].measuredAt >= v.measuredAt ? l : { ...l, [metric]: v }));
        }
      }),
    [stream, query, id, rangeMs],
  );
  useEffect(() => stream.onState((s) => setLive(s)), [stream]);
  const loadAlerts = () =>
    api.get<{ alerts: CloudAlert[] }>('/api/web/alerts', { patientId: id }).then(
      (r) => setAlerts(r.alerts),
      () => undefined,
    );
  useEffect(() => void loadAlerts(), [api, id]);
  useInterval(() => void loadAlerts(), 5_000);

  const news2 = useMemo(() => scoreOf(latest), [latest]);
  const p = info.data?.patient;
  const withData = METRICS.filter((m) => (series[m.code]?.length ?? 0) > 0);

  return (
    <section>
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {p ? patientName(p) : 'Patient'}
        </h1>
        <LiveBadge state={live} />
      </div>
      <ErrorBox error={info.error} what="The patient could not be loaded" />
      {info.data ? (
        <p class="facts-line">
          MRN {p?.mrn} · {info.data.bed ? `bed ${info.data.bed.label}` : 'not in a bed'}
          {info.data.bed ? (
            <>
              {' '}
              · <a href={href.department(info.data.bed.departmentId)}>department overview</a>
            </>
          ) : null}
        </p>
      ) : null}
      <div class="latest" aria-label="Latest values">
        <div class="latest-item">
          <span class="latest-name">NEWS2</span>
          <News2Tag
            total={Object.keys(latest).length ? news2.total : null}
            risk={Object.keys(latest).length ? news2.risk : null}
          />
          <span class="muted small">{RISK_LABEL[news2.risk]}</span>
        </div>
        {METRICS.filter((m) => latest[m.code]).map((m) => (
          <div class="latest-item" key={m.code} data-metric={m.code}>
            <span class="latest-name">{m.name}</span>
            <span class="latest-value">
              {formatMetric(m.code, latest[m.code]!.value)} <span class="unit">{m.label}</span>
            </span>
            <span class="muted small">{formatAge(now - Date.parse(latest[m.code]!.measuredAt))}</span>
          </div>
        ))}
      </div>
      {alerts.length > 0 ? (
        <ul class="alert-list" aria-label="Active alerts">
          {alerts.map((a) => (
            <li key={a.alertId}>
              <PriorityTag priority={a.priority} /> {alertText(a)} <span class="muted">since {formatTime(a.since)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <form class="controls" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Window</legend>
          {RESOLUTIONS.map((r) => (
            <label key={r.query}>
              <input
                type="radio"
                name="resolution"
                value={r.query}
                checked={query === r.query}
                onChange={() => setQuery(r.query)}
              />{' '}
              {r.label}
            </label>
          ))}
        </fieldset>
        <label>
          Range{' '}
          <select value={String(rangeMs)} onChange={(e) => setRangeMs(Number((e.target as HTMLSelectElement).value))}>
            {RANGES.map((r) => (
              <option key={r.ms} value={String(r.ms)}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Loading when={!loaded}>Loading the trend…</Loading>
      <ErrorBox error={seriesError} what="The trend could not be loaded" />
      {loaded && withData.length === 0 && !seriesError ? <p>No windows in this range.</p> : null}
      <div class="charts">
        {withData.map((m) => {
          const list = series[m.code]!;
          return (
            <figure key={m.code} class="chart-box" data-testid={`chart-${m.code}`}>
              <figcaption>
                {m.name}{' '}
                <span class="muted">
                  ({m.label}), average and range per {query === 'patient-5m' ? '5 minutes' : 'minute'}
                </span>
              </figcaption>
              <WindowChart
                data={toSeries(list)}
                unit={m.label}
                label={`${m.name}: ${list.length} windows, last average ${formatMetric(m.code, list[list.length - 1]?.avg)} ${m.label}`}
                fromSec={from / 1000}
                toSec={to / 1000}
              />
              <details>
                <summary>Data table ({list.length} windows)</summary>
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">Window start</th>
                      <th scope="col">Average</th>
                      <th scope="col">Minimum</th>
                      <th scope="col">Maximum</th>
                      <th scope="col">Readings</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...list].reverse().map((w) => (
                      <tr key={w.windowStart}>
                        <td>{formatTime(w.windowStart)}</td>
                        <td class="num">{formatMetric(m.code, w.avg)}</td>
                        <td class="num">{formatMetric(m.code, w.min)}</td>
                        <td class="num">{formatMetric(m.code, w.max)}</td>
                        <td class="num">{w.count ?? '–'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </figure>
          );
        })}
      </div>
    </section>
  );
}
