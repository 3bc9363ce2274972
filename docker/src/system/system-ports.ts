/**
 * The ports of the whole system as `vitals start` runs it: the cloud services on their documented defaults and
 * one gateway per demo ward beside each other, all moved by one offset so a second system can run beside the
 * first (`--port-offset`). The environment each process gets is derived here, in one place.
 */
export interface WardPorts {
  readonly http: number;
  readonly mqtt: number;
  readonly mllp: number;
}

export interface SystemPorts {
  readonly storage: number;
  readonly config: number;
  readonly configMqtt: number;
  readonly analytics: number;
  readonly enricher: number;
  readonly web: number;
  readonly wards: readonly WardPorts[];
}

const DEFAULTS = {
  storage: 8080,
  config: 8081,
  configMqtt: 1885,
  analytics: 8082,
  enricher: 8084,
  web: 8088,
  ward: { http: 8090, mqtt: 1884, mllp: 2575 },
} as const;

/** Ward i listens on the defaults plus i (HTTP 8090, 8091, ...; MQTT 1884, then 1886 to step over 1885). */
function wardPorts(i: number, offset: number): WardPorts {
  return {
    http: DEFAULTS.ward.http + i + offset,
    mqtt: DEFAULTS.ward.mqtt + (i === 0 ? 0 : i + 1) + offset,
    mllp: DEFAULTS.ward.mllp + i + offset,
  };
}

export function systemPorts(wards: number, offset = 0): SystemPorts {
  if (!Number.isInteger(offset) || offset < 0 || DEFAULTS.web + offset + wards > 65535) {
    throw new RangeError(`port offset ${offset} is not a whole number that keeps every port below 65536`);
  }
  return {
    storage: DEFAULTS.storage + offset,
    config: DEFAULTS.config + offset,
    configMqtt: DEFAULTS.configMqtt + offset,
    analytics: DEFAULTS.analytics + offset,
    enricher: DEFAULTS.enricher + offset,
    web: DEFAULTS.web + offset,
    wards: Array.from({ length: wards }, (_, i) => wardPorts(i, offset)),
  };
}

/** Every port of the system, for a caller that checks they are free before starting. */
export function allPorts(p: SystemPorts): number[] {
  return [p.storage, p.config, p.configMqtt, p.analytics, p.enricher, p.web, ...p.wards.flatMap((w) => [w.http, w.mqtt, w.mllp])];
}

/** The environment of `vitals cloud all`: its listening ports and the URLs the web service proxies to. */
export function cloudEnv(p: SystemPorts): Record<string, string> {
  return {
    STORAGE_PORT: String(p.storage),
    CONFIG_PORT: String(p.config),
    CONFIG_MQTT_PORT: String(p.configMqtt),
    ANALYTICS_PORT: String(p.analytics),
    ENRICHER_PORT: String(p.enricher),
    WEB_PORT: String(p.web),
    WEB_STORAGE_URL: `http://127.0.0.1:${p.storage}`,
    WEB_ANALYTICS_URL: `http://127.0.0.1:${p.analytics}`,
    WEB_CONFIG_URL: `http://127.0.0.1:${p.config}`,
  };
}

/** Where a ward gateway finds the cloud, and where it listens. */
export function edgeEnv(p: SystemPorts, ward: number): Record<string, string> {
  const w = p.wards[ward]!;
  return {
    CLOUD_URL: `http://127.0.0.1:${p.storage}`,
    EDGE_CONFIG_MQTT_URL: `mqtt://127.0.0.1:${p.configMqtt}`,
    EDGE_HTTP_PORT: String(w.http),
    EDGE_MQTT_PORT: String(w.mqtt),
    EDGE_MLLP_PORT: String(w.mllp),
  };
}
