/** Times, ages and names as the dashboard writes them. Pure. */

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 2) return 'now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function patientName(p: { givenName?: string | null; familyName?: string | null; mrn?: string } | undefined): string {
  if (!p) return 'Unknown patient';
  const name = [p.familyName, p.givenName].filter(Boolean).join(', ');
  return name || p.mrn || 'Unnamed patient';
}

export const RISK_LABEL: Readonly<Record<string, string>> = {
  low: 'Low',
  'low-medium': 'Low–medium (a single parameter scored 3)',
  medium: 'Medium',
  high: 'High',
};
