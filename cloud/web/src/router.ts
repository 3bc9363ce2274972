/** Hash routes of the dashboard (`#/departments/<id>`): no server-side routing needed. Pure parsing plus a hook. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly name: 'login' }
  | { readonly name: 'home' }
  | { readonly name: 'department'; readonly id: string }
  | { readonly name: 'patient'; readonly id: string }
  | { readonly name: 'admin'; readonly tab: AdminTab }
  | { readonly name: 'not-found'; readonly path: string };

export const ADMIN_TABS = ['thresholds', 'device-settings', 'gateways', 'assignments'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'login' && parts.length === 1) return { name: 'login' };
  if (parts[0] === 'departments' && parts.length === 2) return { name: 'department', id: parts[1]! };
  if (parts[0] === 'patients' && parts.length === 2) return { name: 'patient', id: parts[1]! };
  if (parts[0] === 'admin' && parts.length <= 2) {
    const tab = (parts[1] ?? 'thresholds') as AdminTab;
    if ((ADMIN_TABS as readonly string[]).includes(tab)) return { name: 'admin', tab };
  }
  return { name: 'not-found', path };
}

export const href = {
  home: () => '#/',
  login: () => '#/login',
  department: (id: string) => `#/departments/${encodeURIComponent(id)}`,
  patient: (id: string) => `#/patients/${encodeURIComponent(id)}`,
  admin: (tab: AdminTab = 'thresholds') => `#/admin/${tab}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(to: string): void {
  location.hash = to;
}
