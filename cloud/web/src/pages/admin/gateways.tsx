import { useState } from 'preact/hooks';
import { ErrorBox, Loading, StatusLine } from '../../components.js';
import { formatTime } from '../../format.js';
import { useAsync, useInterval } from '../../hooks.js';
import type { AdminCtx } from './admin-page.js';
import { field, loadReference } from './reference.js';

export interface ConfigStatus {
  gatewayId: string;
  departmentId: string;
  desiredVersion: number;
  desiredAt: string | null;
  reportedVersion: number;
  reportedStatus: 'applied' | 'rejected' | null;
  reportedReason: string | null;
  reportedAt: string | null;
  appliedVersion: number;
  lastSeenAt: string | null;
  connected: boolean | null;
  inSync: boolean;
  buildError: string | null;
}

interface Gateway {
  id: string;
  name: string;
  departmentId: string;
}

/** "In sync", "Waiting for the gateway (v5 sent, v4 running)", "Rejected v5: reason". Pure. */
export function syncText(s: ConfigStatus): string {
  if (s.buildError) return `Configuration cannot be built: ${s.buildError}`;
  if (s.desiredVersion === 0) return 'No configuration issued yet';
  if (s.inSync) return 'In sync';
  if (s.reportedStatus === 'rejected' && s.reportedVersion === s.desiredVersion) {
    return `Rejected version ${s.reportedVersion}${s.reportedReason ? `: ${s.reportedReason}` : ''}`;
  }
  return `Out of sync: waiting for the gateway (version ${s.desiredVersion} issued, ${s.appliedVersion || 'none'} running)`;
}

export function GatewaysTab(props: { ctx: AdminCtx }) {
  const { api, customerId } = props.ctx;
  const q = customerId ? { customerId } : {};
  const ref = useAsync(() => loadReference(api, customerId), [api, customerId]);
  const gateways = useAsync(() => api.all<Gateway>('/api/storage/v1/gateways', q), [api, customerId]);
  const status = useAsync(() => api.all<ConfigStatus>('/api/config/v1/config-status', q), [api, customerId]);
  useInterval(() => status.reload(), 3_000);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [token, setToken] = useState<{ gatewayId: string; token: string } | null>(null);

  const create = (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    setError(undefined);
    setMessage(null);
    const body = {
      ...(customerId ? { customerId } : {}),
      id: field(f, 'id'),
      name: field(f, 'name'),
      departmentId: field(f, 'departmentId'),
    };
    api.write<{ gateway: Gateway; token: string }>('POST', '/api/storage/v1/gateways', body).then(
      (r) => {
        setToken({ gatewayId: r.data.gateway.id, token: r.data.token });
        setMessage(`Gateway ${r.data.gateway.id} registered.`);
        f.reset();
        gateways.reload();
        status.reload();
      },
      (err: unknown) => setError(err),
    );
  };

  const deptName = (id: string) => ref.data?.departments.find((d) => d.id === id)?.name ?? id;
  const byId = new Map((gateways.data ?? []).map((g) => [g.id, g]));
  const rows = [...(status.data ?? [])].sort((a, b) => a.gatewayId.localeCompare(b.gatewayId));

  return (
    <div>
      <StatusLine message={message} />
      <ErrorBox error={error} what="Not registered" />
      {token ? (
        <div class="token-box" role="alert" data-testid="gateway-token">
          <h2>Token of gateway {token.gatewayId}</h2>
          <p>
            <strong>Copy it now: it is shown only once.</strong> Configure it on the gateway as <code>GATEWAY_TOKEN</code>.
          </p>
          <label>
            Token <input readOnly value={token.token} size={60} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          </label>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(token.token)}>
            Copy
          </button>
          <button type="button" class="secondary" onClick={() => setToken(null)}>
            I have stored it
          </button>
        </div>
      ) : null}
      <ErrorBox error={status.error} what="Configuration status could not be loaded" />
      <Loading when={status.loading && !status.data} />
      <table class="admin" data-testid="config-status">
        <caption>
          Configuration of every gateway: desired (issued by the cloud) versus reported (acknowledged by the gateway)
        </caption>
        <thead>
          <tr>
            <th scope="col">Gateway</th>
            <th scope="col">Department</th>
            <th scope="col">Desired version</th>
            <th scope="col">Reported version</th>
            <th scope="col">Running version</th>
            <th scope="col">State</th>
            <th scope="col">Last seen</th>
            <th scope="col">Connected</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.gatewayId} data-gateway={s.gatewayId} class={s.inSync ? 'in-sync' : 'out-of-sync'}>
              <th scope="row">
                {s.gatewayId}
                {byId.get(s.gatewayId) ? <span class="muted small"> {byId.get(s.gatewayId)!.name}</span> : null}
              </th>
              <td>{deptName(s.departmentId)}</td>
              <td class="num" data-col="desired">
                {s.desiredVersion}
              </td>
              <td class="num" data-col="reported">
                {s.reportedVersion}
                {s.reportedStatus ? ` (${s.reportedStatus})` : ''}
              </td>
              <td class="num">{s.appliedVersion}</td>
              <td data-col="sync">
                <span class={s.inSync ? 'ok' : 'warn'}>
                  <span aria-hidden="true">{s.inSync ? '✓ ' : '⚠ '}</span>
                  {syncText(s)}
                </span>
              </td>
              <td>{formatTime(s.lastSeenAt)}</td>
              <td>{s.connected === null ? 'unknown' : s.connected ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card" onSubmit={create} aria-labelledby="new-gateway">
        <h2 id="new-gateway">Register a gateway</h2>
        <p id="gw-id-help" class="muted">
          Lower-case letters, digits and dashes, 2 to 63 characters.
        </p>
        <div class="grid-form">
          <label>
            Gateway id{' '}
            <input name="id" required pattern="[a-z0-9][a-z0-9\-]{1,62}" placeholder="gw-ward-7" aria-describedby="gw-id-help" />
          </label>
          <label>
            Name <input name="name" required maxLength={200} />
          </label>
          <label>
            Department
            <select name="departmentId" required>
              {(ref.data?.departments ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <button type="submit">Register gateway</button>
      </form>
    </div>
  );
}
