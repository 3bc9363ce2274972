import { useState } from 'preact/hooks';
import { ErrorBox, Loading, StatusLine } from '../../components.js';
import { useAsync } from '../../hooks.js';
import type { AdminCtx } from './admin-page.js';
import { field, loadReference, numberField, savedMessage } from './reference.js';

interface DeviceSettings {
  id: string;
  deviceId: string | null;
  model: string | null;
  samplingIntervalMs: number;
  alarmsEnabled: boolean;
  units: Record<string, string>;
  version: number;
}

export function DeviceSettingsTab(props: { ctx: AdminCtx }) {
  const { api, customerId } = props.ctx;
  const q = customerId ? { customerId } : {};
  const ref = useAsync(() => loadReference(api, customerId), [api, customerId]);
  const list = useAsync(() => api.all<DeviceSettings>('/api/config/v1/device-settings', q), [api, customerId]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [target, setTarget] = useState<'device' | 'model'>('device');

  const run = async (what: string, fn: () => Promise<{ configVersions: string | null }>) => {
    setError(undefined);
    setStatus(null);
    try {
      setStatus(savedMessage(what, (await fn()).configVersions));
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
      ...(target === 'device' ? { deviceId: field(f, 'deviceId') } : { model: field(f, 'model') }),
      samplingIntervalMs: numberField(f, 'samplingIntervalMs') ?? 1000,
      alarmsEnabled: (f.elements.namedItem('alarmsEnabled') as HTMLInputElement).checked,
    };
    void run('Device settings created.', () => api.write('POST', '/api/config/v1/device-settings', body)).then(
      (ok) => ok && f.reset(),
    );
  };

  const update = (s: DeviceSettings, e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const body = {
      samplingIntervalMs: numberField(f, 'samplingIntervalMs') ?? s.samplingIntervalMs,
      alarmsEnabled: (f.elements.namedItem('alarmsEnabled') as HTMLInputElement).checked,
    };
    void run('Device settings saved.', () =>
      api.write('PATCH', `/api/config/v1/device-settings/${s.id}`, body, `"${s.version}"`),
    );
  };

  return (
    <div>
      <StatusLine message={status} />
      <ErrorBox error={error} what="Not saved" />
      <ErrorBox error={list.error} what="Device settings could not be loaded" />
      <Loading when={list.loading && !list.data} />
      <table class="admin" data-testid="device-settings">
        <caption>Settings per device, or per model for every device of it</caption>
        <thead>
          <tr>
            <th scope="col">Device or model</th>
            <th scope="col">Sampling interval (ms) and alarms</th>
            <th scope="col">Units</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((s) => {
            const name = s.deviceId ? `device ${s.deviceId}` : `model ${s.model ?? ''}`;
            return (
              <tr key={s.id}>
                <th scope="row">{name}</th>
                <td>
                  <form class="inline" onSubmit={(e) => update(s, e)} aria-label={`Settings of ${name}`}>
                    <label>
                      <span class="sr-only">Sampling interval of {name} in milliseconds</span>
                      <input
                        name="samplingIntervalMs"
                        type="number"
                        min="100"
                        max="3600000"
                        step="1"
                        defaultValue={String(s.samplingIntervalMs)}
                      />
                    </label>
                    <label>
                      <input name="alarmsEnabled" type="checkbox" defaultChecked={s.alarmsEnabled} /> alarms enabled
                    </label>
                    <button type="submit">Save</button>
                  </form>
                </td>
                <td>
                  {Object.entries(s.units)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(', ') || '–'}
                </td>
                <td>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete the settings of ${name}`}
                    onClick={() =>
                      confirm(`Delete the settings of ${name}?`) &&
                      void run('Device settings deleted.', () =>
                        api.write('DELETE', `/api/config/v1/device-settings/${s.id}`, undefined, `"${s.version}"`),
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
      <form class="card" onSubmit={create} aria-labelledby="new-settings">
        <h2 id="new-settings">New device settings</h2>
        <div class="grid-form">
          <fieldset>
            <legend>For</legend>
            <label>
              <input type="radio" name="target" checked={target === 'device'} onChange={() => setTarget('device')} /> one device
            </label>
            <label>
              <input type="radio" name="target" checked={target === 'model'} onChange={() => setTarget('model')} /> every device
              of a model
            </label>
          </fieldset>
          {target === 'device' ? (
            <label>
              Device
              <select name="deviceId" required>
                {(ref.data?.devices ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.id} ({d.model})
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label>
              Model <input name="model" required maxLength={100} />
            </label>
          )}
          <label>
            Sampling interval (ms){' '}
            <input name="samplingIntervalMs" type="number" min="100" max="3600000" defaultValue="1000" required />
          </label>
          <label>
            <input name="alarmsEnabled" type="checkbox" defaultChecked /> Alarms enabled
          </label>
        </div>
        <button type="submit">Create settings</button>
      </form>
    </div>
  );
}
