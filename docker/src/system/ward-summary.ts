/**
 * The one-line summary of a ward gateway that `vitals start` prints every minute, from the gateway's
 * `GET /api/status`: devices online, readings taken in, readings waiting for the uplink, and the uplink state.
 */
export interface WardStatus {
  readonly buffer: { readonly readings: number; readonly unsent: number };
  readonly uplink: { readonly state: string };
  readonly devices: { readonly online: number; readonly list: readonly unknown[] };
}

const fmt = new Intl.NumberFormat('en-GB');

export function wardSummary(code: string, status: WardStatus | null): string {
  if (status === null) return `${code}: gateway not answering`;
  const { buffer, uplink, devices } = status;
  return (
    `${code}: ${devices.online}/${devices.list.length} devices online, ${fmt.format(buffer.readings)} readings buffered, ` +
    `${fmt.format(buffer.unsent)} waiting to be forwarded (uplink ${uplink.state})`
  );
}
