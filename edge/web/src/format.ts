/** How values, ages and sizes read on the nurses' station. Pure. */

export function formatValue(value: number, decimals: number): string {
  return value.toFixed(decimals);
}

/** "now", "12 s", "4 min", "2 h 5 min", "3 d": how long ago, coarse enough to read at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 2) return 'now';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

/** Local wall-clock time, 24-hour, with seconds ("14:05:09"). */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A value older than this is shown as stale (the monitor sends every second or so). */
export const STALE_AFTER_MS = 60_000;
