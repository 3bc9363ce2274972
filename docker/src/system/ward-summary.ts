/**
 * The one-line summary of a ward that `vitals start` prints every minute: from the gateway's `GET /api/status`,
 * devices online, readings buffered, readings waiting for the uplink and the uplink state; from the analytics
 * department overview (what the dashboard shows), how many patients have a window updated in the last two
 * minutes, which is the end of the pipeline.
 */
export interface WardStatus {
  readonly buffer: { readonly readings: number; readonly unsent: number };
  readonly uplink: { readonly state: string };
  readonly devices: { readonly online: number; readonly list: readonly unknown[] };
}

const fmt = new Intl.NumberFormat('en-GB');

export interface WardOverview {
  readonly patients: ReadonlyArray<{ readonly lastMeasuredAt: string | null }>;
}

const LIVE_MS = 120_000;

export function wardSummary(code: string, status: WardStatus | null, overview: WardOverview | null, nowMs: number): string {
  const edge =
    status === null
      ? 'gateway not answering'
      : `${status.devices.online}/${status.devices.list.length} devices online, ` +
        `${fmt.format(status.buffer.readings)} readings buffered, ` +
        `${fmt.format(status.buffer.unsent)} waiting to be forwarded (uplink ${status.uplink.state})`;
  const live = overview?.patients.filter((p) => p.lastMeasuredAt && nowMs - Date.parse(p.lastMeasuredAt) < LIVE_MS).length;
  const cloud = live === undefined ? 'dashboard not answering' : `${live} patients live on the dashboard`;
  return `${code}: ${edge}, ${cloud}`;
}
