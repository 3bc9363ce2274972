/**
 * The device topics under a configurable prefix (default `vitals`, matching shared `MQTT_TOPICS`):
 * `<prefix>/devices/<deviceId>/readings` (frames), `/status` (presence, last will "offline") and `/errors`
 * (where the gateway tells a device why a frame was rejected), `/settings` (retained device settings from the
 * applied configuration). Pure.
 */

export interface DeviceTopics {
  readonly readings: (deviceId: string) => string;
  readonly status: (deviceId: string) => string;
  readonly errors: (deviceId: string) => string;
  /** Where the gateway publishes a device's settings (retained). */
  readonly settings: (deviceId: string) => string;
  readonly readingsWildcard: string;
  readonly statusWildcard: string;
  /** Whether `filter` (a topic or subscription filter) stays inside the device's own subtree. */
  readonly isOwnSubtree: (deviceId: string, filter: string) => boolean;
  readonly parse: (topic: string) => { deviceId: string; kind: 'readings' | 'status' | 'other' } | undefined;
}

export function deviceTopics(prefix: string): DeviceTopics {
  const base = `${prefix}/devices/`;
  return {
    readings: (id) => `${base}${id}/readings`,
    status: (id) => `${base}${id}/status`,
    errors: (id) => `${base}${id}/errors`,
    settings: (id) => `${base}${id}/settings`,
    readingsWildcard: `${base}+/readings`,
    statusWildcard: `${base}+/status`,
    isOwnSubtree: (id, filter) => filter === `${base}${id}` || filter.startsWith(`${base}${id}/`),
    parse(topic) {
      if (!topic.startsWith(base)) return undefined;
      const rest = topic.slice(base.length).split('/');
      const deviceId = rest[0];
      if (!deviceId) return undefined;
      const kind =
        rest.length === 2 && rest[1] === 'readings' ? 'readings' : rest.length === 2 && rest[1] === 'status' ? 'status' : 'other';
      return { deviceId, kind };
    },
  };
}

/** A presence payload: `online`/`offline`, or JSON `{ "status": "online" }`. */
export function parsePresence(payload: Buffer): 'online' | 'offline' | undefined {
  const text = payload.toString('utf8').trim();
  let status: unknown = text;
  if (text.startsWith('{')) {
    try {
      status = (JSON.parse(text) as { status?: unknown }).status;
    } catch {
      return undefined;
    }
  }
  return status === 'online' || status === 'offline' ? status : undefined;
}
