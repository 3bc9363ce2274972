import { useState } from 'preact/hooks';
import { ErrorBox, Loading, StatusLine } from '../../components.js';
import { formatTime, patientName } from '../../format.js';
import { useAsync } from '../../hooks.js';
import type { Assignment } from '../department.js';
import type { AdminCtx } from './admin-page.js';
import { field, loadReference } from './reference.js';

export function AssignmentsTab(props: { ctx: AdminCtx }) {
  const { api, customerId } = props.ctx;
  const q = customerId ? { customerId } : {};
  const ref = useAsync(() => loadReference(api, customerId), [api, customerId]);
  const list = useAsync(
    () => api.all<Assignment>('/api/storage/v1/assignments', { ...q, activeAt: new Date().toISOString() }),
    [api, customerId],
  );
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setError(undefined);
    setMessage(null);
    try {
      await fn();
      setMessage(what);
      list.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };

  const r = ref.data;
  const multi = (r?.departments.length ?? 0) > 1;
  const bedName = (b: { label: string; departmentId: string }) =>
    multi ? `${r?.departments.find((d) => d.id === b.departmentId)?.code ?? '?'} · ${b.label}` : b.label;
  const bedLabel = (id: string) => {
    const b = r?.beds.find((x) => x.id === id);
    return b ? bedName(b) : id;
  };
  const name = (id: string) => patientName(r?.patients.find((p) => p.id === id));
  const rows = [...(list.data ?? [])].sort((a, b) => bedLabel(a.bedId).localeCompare(bedLabel(b.bedId), 'en', { numeric: true }));
  const busyBeds = new Set(rows.map((a) => a.bedId));
  const busyDevices = new Set(rows.map((a) => a.deviceId));
  const busyPatients = new Set(rows.map((a) => a.patientId));
  const freeBeds = (r?.beds ?? []).filter((b) => !busyBeds.has(b.id));
  const freeDevices = (r?.devices ?? []).filter((d) => !busyDevices.has(d.id));
  const freePatients = (r?.patients ?? []).filter((p) => !busyPatients.has(p.id));
  const canAdmit = freeBeds.length > 0 && freeDevices.length > 0 && freePatients.length > 0;

  const admit = (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const body = {
      ...(customerId ? { customerId } : {}),
      patientId: field(f, 'patientId'),
      bedId: field(f, 'bedId'),
      deviceId: field(f, 'deviceId'),
    };
    void run(`${name(body.patientId)} admitted to bed ${bedLabel(body.bedId)}.`, () =>
      api.write('POST', '/api/storage/v1/assignments', body),
    ).then((ok) => ok && f.reset());
  };

  const transfer = (a: Assignment, e: Event) => {
    e.preventDefault();
    const bedId = field(e.currentTarget as HTMLFormElement, 'bedId');
    void run(`${name(a.patientId)} transferred to bed ${bedLabel(bedId)}.`, () =>
      api.write('POST', `/api/storage/v1/assignments/${a.id}/transfer`, { bedId }, `"${a.version}"`),
    );
  };

  const discharge = (a: Assignment) => {
    if (!confirm(`Discharge ${name(a.patientId)} from bed ${bedLabel(a.bedId)}? The monitor ${a.deviceId} is released.`)) return;
    void run(`${name(a.patientId)} discharged from bed ${bedLabel(a.bedId)}.`, () =>
      api.write('POST', `/api/storage/v1/assignments/${a.id}/end`, {}, `"${a.version}"`),
    );
  };

  return (
    <div>
      <StatusLine message={message} />
      <ErrorBox error={error} what="Not done" />
      <ErrorBox error={list.error} what="Assignments could not be loaded" />
      <Loading when={list.loading && !list.data} />
      <table class="admin" data-testid="assignments">
        <caption>Patients in beds now (a monitor assigned to a patient and a bed)</caption>
        <thead>
          <tr>
            <th scope="col">Bed</th>
            <th scope="col">Patient</th>
            <th scope="col">Monitor</th>
            <th scope="col">Since</th>
            <th scope="col">Transfer</th>
            <th scope="col">Discharge</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id} data-assignment={a.id}>
              <td>{bedLabel(a.bedId)}</td>
              <th scope="row">{name(a.patientId)}</th>
              <td>{a.deviceId}</td>
              <td>{formatTime(a.validFrom)}</td>
              <td>
                <form class="inline" onSubmit={(e) => transfer(a, e)}>
                  <label>
                    <span class="sr-only">New bed for {name(a.patientId)}</span>
                    <select name="bedId" required disabled={freeBeds.length === 0}>
                      {freeBeds.map((b) => (
                        <option key={b.id} value={b.id}>
                          {bedName(b)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="submit" disabled={freeBeds.length === 0}>
                    Transfer
                  </button>
                </form>
              </td>
              <td>
                <button type="button" class="danger" onClick={() => discharge(a)} aria-label={`Discharge ${name(a.patientId)}`}>
                  Discharge
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card" onSubmit={admit} aria-labelledby="admit">
        <h2 id="admit">Admit a patient to a bed</h2>
        <div class="grid-form">
          <label>
            Patient
            <select name="patientId" required>
              {freePatients.map((p) => (
                <option key={p.id} value={p.id}>
                  {patientName(p)} ({p.mrn})
                </option>
              ))}
            </select>
          </label>
          <label>
            Bed
            <select name="bedId" required>
              {freeBeds.map((b) => (
                <option key={b.id} value={b.id}>
                  {bedName(b)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Monitor
            <select name="deviceId" required>
              {freeDevices.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.id}
                </option>
              ))}
            </select>
          </label>
        </div>
        {r && !canAdmit ? (
          <p class="muted">
            Nothing to admit:{' '}
            {[
              freePatients.length === 0 && 'every patient is in a bed',
              freeBeds.length === 0 && 'no bed is free',
              freeDevices.length === 0 && 'no monitor is free',
            ]
              .filter(Boolean)
              .join(', ')}
            .
          </p>
        ) : null}
        <button type="submit" disabled={!canAdmit}>
          Admit
        </button>
      </form>
    </div>
  );
}
