import { useState } from 'preact/hooks';
import { ErrorBox, Loading, PriorityTag, StatusLine } from '../../components.js';
import { patientName } from '../../format.js';
import { useAsync } from '../../hooks.js';
import { METRICS, formatMetric, metricInfo } from '../../metrics.js';
import type { AdminCtx } from './admin-page.js';
import { field, loadReference, numberField, savedMessage } from './reference.js';

export interface Threshold {
  id: string;
  scope: 'customer' | 'department' | 'patient';
  departmentId: string | null;
  patientId: string | null;
  metric: string;
  low: number | null;
  high: number | null;
  priority: 'low' | 'medium' | 'high';
  hysteresis: number;
  enabled: boolean;
  version: number;
}

const etag = (t: { version: number }) => `"${t.version}"`;

export function ThresholdsTab(props: { ctx: AdminCtx }) {
  const { api, customerId } = props.ctx;
  const q = customerId ? { customerId } : {};
  const ref = useAsync(() => loadReference(api, customerId), [api, customerId]);
  const list = useAsync(() => api.all<Threshold>('/api/config/v1/alert-thresholds', q), [api, customerId]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [scope, setScope] = useState<Threshold['scope']>('department');
  const [editing, setEditing] = useState<string | null>(null);

  const run = async (what: string, fn: () => Promise<{ configVersions: string | null }>) => {
    setError(undefined);
    setStatus(null);
    try {
      const r = await fn();
      setStatus(savedMessage(what, r.configVersions));
      list.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };

  const create = (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const body = {
      ...(customerId ? { customerId } : {}),
      scope,
      ...(scope === 'department' ? { departmentId: field(f, 'departmentId') } : {}),
      ...(scope === 'patient' ? { patientId: field(f, 'patientId') } : {}),
      metric: field(f, 'metric'),
      low: numberField(f, 'low') ?? null,
      high: numberField(f, 'high') ?? null,
      priority: field(f, 'priority'),
      hysteresis: numberField(f, 'hysteresis') ?? 0,
    };
    void run('Threshold created.', () => api.write('POST', '/api/config/v1/alert-thresholds', body)).then(
      (ok) => ok && f.reset(),
    );
  };

  const save = (t: Threshold, e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const body = {
      low: numberField(f, 'low') ?? null,
      high: numberField(f, 'high') ?? null,
      priority: field(f, 'priority'),
      hysteresis: numberField(f, 'hysteresis') ?? 0,
    };
    void run('Threshold saved.', () => api.write('PATCH', `/api/config/v1/alert-thresholds/${t.id}`, body, etag(t))).then(
      (ok) => ok && setEditing(null),
    );
  };

  const r = ref.data;
  const target = (t: Threshold) => {
    if (t.scope === 'customer') return 'Every department';
    if (t.scope === 'department') return r?.departments.find((d) => d.id === t.departmentId)?.name ?? t.departmentId ?? '';
    return patientName(r?.patients.find((p) => p.id === t.patientId));
  };
  const rows = [...(list.data ?? [])].sort(
    (a, b) => a.metric.localeCompare(b.metric) || a.scope.localeCompare(b.scope) || a.priority.localeCompare(b.priority),
  );

  return (
    <div>
      <p class="muted">
        Rules apply by precedence: patient over department over customer over the catalog defaults. A change is pushed to every
        affected ward gateway as a new configuration version.
      </p>
      <StatusLine message={status} />
      <ErrorBox error={error} what="Not saved" />
      <ErrorBox error={list.error} what="Thresholds could not be loaded" />
      <Loading when={list.loading && !list.data} />
      <table class="admin" data-testid="thresholds">
        <caption>Alarm thresholds</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Applies to</th>
            <th scope="col">Low</th>
            <th scope="col">High</th>
            <th scope="col">Priority</th>
            <th scope="col">Hysteresis</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const m = metricInfo(t.metric);
            const label = `${m.name} ${t.priority} (${target(t)})`;
            return editing === t.id ? (
              <tr key={t.id}>
                <td colSpan={8}>
                  <form class="inline" onSubmit={(e) => save(t, e)} aria-label={`Edit threshold ${label}`}>
                    <strong>
                      {m.name}, {target(t)}
                    </strong>
                    <label>
                      Low <input name="low" type="number" step="any" defaultValue={t.low === null ? '' : String(t.low)} />
                    </label>
                    <label>
                      High <input name="high" type="number" step="any" defaultValue={t.high === null ? '' : String(t.high)} />
                    </label>
                    <label>
                      Priority{' '}
                      <select name="priority" defaultValue={t.priority}>
                        <option value="high">high</option>
                        <option value="medium">medium</option>
                        <option value="low">low</option>
                      </select>
                    </label>
                    <label>
                      Hysteresis <input name="hysteresis" type="number" min="0" step="any" defaultValue={String(t.hysteresis)} />
                    </label>
                    <button type="submit">Save</button>
                    <button type="button" class="secondary" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </form>
                </td>
              </tr>
            ) : (
              <tr key={t.id} data-threshold={t.id}>
                <th scope="row">{m.name}</th>
                <td>{target(t)}</td>
                <td class="num">{t.low === null ? '–' : formatMetric(t.metric, t.low)}</td>
                <td class="num">{t.high === null ? '–' : formatMetric(t.metric, t.high)}</td>
                <td>
                  <PriorityTag priority={t.priority} />
                </td>
                <td class="num">{t.hysteresis}</td>
                <td>{t.enabled ? 'enabled' : 'disabled'}</td>
                <td class="actions">
                  <button type="button" onClick={() => setEditing(t.id)} aria-label={`Edit ${label}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`${t.enabled ? 'Disable' : 'Enable'} ${label}`}
                    onClick={() =>
                      void run(`Threshold ${t.enabled ? 'disabled' : 'enabled'}.`, () =>
                        api.write('PATCH', `/api/config/v1/alert-thresholds/${t.id}`, { enabled: !t.enabled }, etag(t)),
                      )
                    }
                  >
                    {t.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete ${label}`}
                    onClick={() =>
                      confirm(`Delete the threshold ${label}?`) &&
                      void run('Threshold deleted.', () =>
                        api.write('DELETE', `/api/config/v1/alert-thresholds/${t.id}`, undefined, etag(t)),
                      )
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <form class="card" onSubmit={create} aria-labelledby="new-threshold">
        <h2 id="new-threshold">New threshold</h2>
        <div class="grid-form">
          <label>
            Scope
            <select
              name="scope"
              value={scope}
              onChange={(e) => setScope((e.target as HTMLSelectElement).value as Threshold['scope'])}
            >
              <option value="customer">Customer (every department)</option>
              <option value="department">Department</option>
              <option value="patient">Patient</option>
            </select>
          </label>
          {scope === 'department' ? (
            <label>
              Department
              <select name="departmentId" required>
                {(r?.departments ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {scope === 'patient' ? (
            <label>
              Patient
              <select name="patientId" required>
                {(r?.patients ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {patientName(p)} ({p.mrn})
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label>
            Metric
            <select name="metric" required>
              {METRICS.map((m) => (
                <option key={m.code} value={m.code}>
                  {m.name} ({m.label})
                </option>
              ))}
            </select>
          </label>
          <label>
            Low limit <input name="low" type="number" step="any" />
          </label>
          <label>
            High limit <input name="high" type="number" step="any" />
          </label>
          <label>
            Priority
            <select name="priority" required>
              <option value="high">high</option>
              <option value="medium">medium</option>
              <option value="low">low</option>
            </select>
          </label>
          <label>
            Hysteresis <input name="hysteresis" type="number" min="0" step="any" defaultValue="0" />
          </label>
        </div>
        <button type="submit">Create threshold</button>
      </form>
    </div>
  );
}
