import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../../app.js';
import { ErrorBox } from '../../components.js';
import { useAsync, useFocusHeading } from '../../hooks.js';
import { ADMIN_TABS, href, type AdminTab } from '../../router.js';
import { isAdmin } from '../../session.js';
import { AssignmentsTab } from './assignments.js';
import { DeviceSettingsTab } from './device-settings.js';
import { GatewaysTab } from './gateways.js';
import { ThresholdsTab } from './thresholds.js';

const TAB_NAMES: Readonly<Record<AdminTab, string>> = {
  thresholds: 'Alarm thresholds',
  'device-settings': 'Device settings',
  gateways: 'Gateways',
  assignments: 'Admissions and transfers',
};

export interface AdminCtx extends Ctx {
  /** The customer the admin works on (platform admins choose one; others have their own). */
  readonly customerId: string | null;
}

interface Customer {
  id: string;
  name: string;
}

export function AdminPage(props: { ctx: Ctx; tab: AdminTab }) {
  const { ctx } = props;
  const heading = useFocusHeading(props.tab);
  const platform = ctx.session.role === 'platform-admin';
  const customers = useAsync(
    () => (platform ? ctx.api.all<Customer>('/api/storage/v1/customers') : Promise.resolve([])),
    [ctx.api, platform],
  );
  const [customerId, setCustomerId] = useState<string | null>(ctx.session.customerId);
  useEffect(() => {
    if (platform && customerId === null && customers.data?.[0]) setCustomerId(customers.data[0].id);
  }, [customers.data]);
  if (!isAdmin(ctx.session)) {
    return (
      <section>
        <h1>Administration</h1>
        <p>Your role ({ctx.session.role}) may read data but not change it.</p>
      </section>
    );
  }
  const actx: AdminCtx = { ...ctx, customerId };
  return (
    <section>
      <h1 ref={heading} tabIndex={-1}>
        Administration <span class="muted">· {TAB_NAMES[props.tab]}</span>
      </h1>
      {platform ? (
        <p>
          <label>
            Customer{' '}
            <select value={customerId ?? ''} onChange={(e) => setCustomerId((e.target as HTMLSelectElement).value || null)}>
              {(customers.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        </p>
      ) : null}
      <ErrorBox error={customers.error} what="Customers could not be loaded" />
      <nav class="tabs" aria-label="Administration">
        {ADMIN_TABS.map((t) => (
          <a key={t} href={href.admin(t)} aria-current={t === props.tab ? 'page' : undefined}>
            {TAB_NAMES[t]}
          </a>
        ))}
      </nav>
      {customerId === null ? (
        <p class="muted">Choose a customer.</p>
      ) : (
        <div key={`${props.tab}:${customerId}`}>
          {props.tab === 'thresholds' ? <ThresholdsTab ctx={actx} /> : null}
          {props.tab === 'device-settings' ? <DeviceSettingsTab ctx={actx} /> : null}
          {props.tab === 'gateways' ? <GatewaysTab ctx={actx} /> : null}
          {props.tab === 'assignments' ? <AssignmentsTab ctx={actx} /> : null}
        </div>
      )}
    </section>
  );
}
