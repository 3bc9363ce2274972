/**
 * Settings of the edge gateway, read once from the environment at start-up (docs/configuration.md lists them;
 * a test keeps the two in step). Everything else receives the frozen `EdgeConfig`.
 */
import path from 'node:path';
import { GATEWAY_ID_PATTERN, parse, readConfig, type ConfigOf } from '@vitals/shared';

export interface SerialPortSpec {
  readonly path: string;
  /** Baud rate for this port; undefined means EDGE_SERIAL_BAUD. */
  readonly baudRate: number | undefined;
}

/** `/dev/ttyUSB0,/dev/ttyUSB1@19200`: paths, each optionally with its own baud rate after `@`. */
export function parseSerialPorts(raw: string): SerialPortSpec[] {
  return parse.list(raw).map((entry) => {
    const at = entry.lastIndexOf('@');
    if (at <= 0) return { path: entry, baudRate: undefined };
    const baud = Number(entry.slice(at + 1));
    if (!Number.isInteger(baud) || baud < 50 || baud > 4_000_000) throw new Error(`bad baud rate in ${JSON.stringify(entry)}`);
    return { path: entry.slice(0, at), baudRate: baud };
  });
}

/** A port number, or `off` to disable the listener. */
function portOrOff(raw: string): number | null {
  return raw.trim().toLowerCase() === 'off' ? null : parse.port(raw);
}

function gatewayId(raw: string): string {
  if (!new RegExp(GATEWAY_ID_PATTERN).test(raw)) throw new Error(`must match ${GATEWAY_ID_PATTERN}`);
  return raw;
}

function optionalUrl(raw: string): string | null {
  return raw.trim() === '' ? null : parse.url(raw);
}

function optionalPath(raw: string): string | null {
  return raw.trim() === '' ? null : path.resolve(raw.trim());
}

function optionalMqttUrl(raw: string): string | null {
  if (raw.trim() === '') return null;
  const url = parse.url(raw);
  if (!/^mqtts?:\/\//.test(url)) throw new Error('must be an mqtt:// or mqtts:// URL');
  return url;
}

function topicPrefix(raw: string): string {
  const p = raw.trim().replace(/\/+$/, '');
  if (p === '' || /[#+]/.test(p)) throw new Error('must be a topic prefix without wildcards, such as vitals');
  return p;
}

export const edgeSettings = {
  gatewayId: {
    env: 'GATEWAY_ID',
    default: 'edge-local',
    doc: 'Identifier of this gateway (sent with every reading)',
    parse: gatewayId,
  },
  gatewayToken: {
    env: 'GATEWAY_TOKEN',
    default: '',
    doc: 'Bearer token the forwarder presents to the cloud ingest API',
    parse: parse.string,
    secret: true,
  },
  cloudUrl: {
    env: 'CLOUD_URL',
    default: '',
    doc: 'Base URL of the cloud ingest API (`POST <CLOUD_URL>/v1/readings:batch`); empty = no uplink, buffer only',
    parse: optionalUrl,
  },
  cloudCaFile: {
    env: 'CLOUD_CA_FILE',
    default: '',
    doc: 'PEM file of a private CA the cloud certificate is verified against (in addition to the system CAs)',
    parse: optionalPath,
  },
  dataDir: {
    env: 'EDGE_DATA_DIR',
    default: './edge-data',
    doc: 'Folder of the SQLite buffer (`buffer.db` and its WAL)',
    parse: (raw: string) => path.resolve(raw),
  },
  bindHost: {
    env: 'EDGE_BIND_HOST',
    default: '0.0.0.0',
    doc: 'Address the MQTT, MLLP and HTTP listeners bind to',
    parse: parse.nonEmpty,
  },
  httpPort: {
    env: 'EDGE_HTTP_PORT',
    default: '8090',
    doc: 'Port of the operations HTTP API (health, metrics, status)',
    parse: parse.port,
  },
  httpTlsCert: {
    env: 'EDGE_HTTP_TLS_CERT',
    default: '',
    doc: 'PEM certificate file; with EDGE_HTTP_TLS_KEY the HTTP API is served over TLS',
    parse: optionalPath,
  },
  httpTlsKey: { env: 'EDGE_HTTP_TLS_KEY', default: '', doc: 'PEM private key file of EDGE_HTTP_TLS_CERT', parse: optionalPath },
  mqttMode: {
    env: 'EDGE_MQTT_MODE',
    default: 'embedded',
    doc: '`embedded` (the gateway is the broker) or `external` (the gateway subscribes to EDGE_MQTT_URL)',
    parse: parse.oneOf('embedded', 'external'),
  },
  mqttPort: {
    env: 'EDGE_MQTT_PORT',
    default: '1884',
    doc: 'Port of the embedded MQTT broker (`off` disables MQTT ingestion)',
    parse: portOrOff,
  },
  mqttUrl: {
    env: 'EDGE_MQTT_URL',
    default: 'mqtt://127.0.0.1:1883',
    doc: 'External broker URL when EDGE_MQTT_MODE=external',
    parse: parse.url,
  },
  mqttClientId: {
    env: 'EDGE_MQTT_CLIENT_ID',
    default: '',
    doc: 'Client id of the gateway at the external broker (persistent session); default `vitals-edge-<GATEWAY_ID>`',
    parse: parse.string,
  },
  mqttUsername: { env: 'EDGE_MQTT_USERNAME', default: '', doc: 'Username at the external broker', parse: parse.string },
  mqttPassword: {
    env: 'EDGE_MQTT_PASSWORD',
    default: '',
    doc: 'Password at the external broker',
    parse: parse.string,
    secret: true,
  },
  mqttTopicPrefix: {
    env: 'EDGE_MQTT_TOPIC_PREFIX',
    default: 'vitals',
    doc: 'First topic level: devices publish to `<prefix>/devices/<deviceId>/readings`',
    parse: topicPrefix,
  },
  deviceAuth: {
    env: 'EDGE_DEVICE_AUTH',
    default: 'open',
    doc: '`open` (any well-formed device id), `allowlist` (EDGE_DEVICE_ALLOWLIST) or `credentials` (EDGE_DEVICE_CREDENTIALS_FILE)',
    parse: parse.oneOf('open', 'allowlist', 'credentials'),
  },
  deviceAllowlist: {
    env: 'EDGE_DEVICE_ALLOWLIST',
    default: '',
    doc: 'Comma-separated device ids allowed when EDGE_DEVICE_AUTH=allowlist',
    parse: parse.list,
  },
  deviceCredentialsFile: {
    env: 'EDGE_DEVICE_CREDENTIALS_FILE',
    default: '',
    doc: 'JSON file `{ "<deviceId>": "scrypt$<salt>$<hash>" }` used when EDGE_DEVICE_AUTH=credentials',
    parse: optionalPath,
  },
  mllpPort: {
    env: 'EDGE_MLLP_PORT',
    default: '2575',
    doc: 'Port of the HL7 v2 MLLP TCP listener (`off` disables it)',
    parse: portOrOff,
  },
  serialPorts: {
    env: 'EDGE_SERIAL_PORTS',
    default: '',
    doc: 'Serial ports speaking HL7 v2 in MLLP, comma-separated, each optionally `path@baud`',
    parse: parseSerialPorts,
  },
  serialBaud: {
    env: 'EDGE_SERIAL_BAUD',
    default: '9600',
    doc: 'Default baud rate of the serial ports',
    parse: parse.int(50, 4_000_000),
  },
  serialReconnect: {
    env: 'EDGE_SERIAL_RECONNECT',
    default: '2s',
    doc: 'Pause between attempts to reopen a serial port that disappeared',
    parse: parse.duration,
  },
  maxPayloadBytes: {
    env: 'EDGE_MAX_PAYLOAD_BYTES',
    default: '256KiB',
    doc: 'Largest MQTT payload or HL7 message accepted; larger ones are rejected as PAYLOAD_TOO_LARGE',
    parse: parse.bytes,
  },
  maxFutureSkew: {
    env: 'EDGE_MAX_FUTURE_SKEW',
    default: '5m',
    doc: 'How far in the future a measured-at time may be before it is rejected (FUTURE_TIMESTAMP)',
    parse: parse.duration,
  },
  maxReadingAge: {
    env: 'EDGE_MAX_READING_AGE',
    default: '30d',
    doc: 'How old a measured-at time may be before it is rejected (STALE_TIMESTAMP)',
    parse: parse.duration,
  },
  bufferMaxBytes: {
    env: 'EDGE_BUFFER_MAX_BYTES',
    default: '2GiB',
    doc: 'Size of the SQLite buffer; when full, forwarded history is dropped first, then the oldest unsent readings',
    parse: parse.bytes,
  },
  diskReserve: {
    env: 'EDGE_DISK_RESERVE',
    default: '256MiB',
    doc: 'Free disk space that must remain beside a full buffer (checked at start)',
    parse: parse.bytes,
  },
  historyWindow: {
    env: 'EDGE_HISTORY_WINDOW',
    default: '24h',
    doc: 'How long forwarded readings stay in the buffer for the local history view',
    parse: parse.duration,
  },
  rejectedMaxRows: {
    env: 'EDGE_REJECTED_MAX_ROWS',
    default: '10000',
    doc: 'Rows kept in the `rejected` table (oldest removed first; capped at 5 % of the buffer size)',
    parse: parse.int(1, 10_000_000),
  },
  deadLetterMaxRows: {
    env: 'EDGE_DEAD_LETTER_MAX_ROWS',
    default: '100000',
    doc: 'Rows kept in the `dead_letters` table (oldest removed first; capped at 10 % of the buffer size)',
    parse: parse.int(1, 100_000_000),
  },
  commitLinger: {
    env: 'EDGE_COMMIT_LINGER',
    default: '2ms',
    doc: 'Group commit: longest wait for more frames before a transaction commits',
    parse: parse.duration,
  },
  commitMaxFrames: {
    env: 'EDGE_COMMIT_MAX_FRAMES',
    default: '1000',
    doc: 'Group commit: most frames in one transaction',
    parse: parse.int(1, 100_000),
  },
  forwardBatchSize: {
    env: 'EDGE_FORWARD_BATCH_SIZE',
    default: '500',
    doc: 'Most readings in one request to the cloud',
    parse: parse.int(1, 10_000),
  },
  forwardLinger: {
    env: 'EDGE_FORWARD_LINGER',
    default: '1s',
    doc: 'Longest wait for a batch to fill before a partial batch is sent',
    parse: parse.duration,
  },
  forwardTimeout: {
    env: 'EDGE_FORWARD_TIMEOUT',
    default: '15s',
    doc: 'Timeout of one request to the cloud',
    parse: parse.duration,
  },
  forwardOrder: {
    env: 'EDGE_FORWARD_ORDER',
    default: 'oldest-first',
    doc: '`oldest-first` (strict per-device order) or `live-first` (recent readings overtake the backlog)',
    parse: parse.oneOf('oldest-first', 'live-first'),
  },
  liveWindow: {
    env: 'EDGE_LIVE_WINDOW',
    default: '30s',
    doc: 'Readings received within this window are live: never marked historical, and first in `live-first` order',
    parse: parse.duration,
  },
  backoffInitial: {
    env: 'EDGE_BACKOFF_INITIAL',
    default: '500ms',
    doc: 'First retry delay after an uplink failure (exponential, with jitter)',
    parse: parse.duration,
  },
  backoffMax: {
    env: 'EDGE_BACKOFF_MAX',
    default: '60s',
    doc: 'Longest retry delay after uplink failures',
    parse: parse.duration,
  },
  breakerThreshold: {
    env: 'EDGE_BREAKER_THRESHOLD',
    default: '5',
    doc: 'Consecutive uplink failures that open the circuit breaker',
    parse: parse.int(1, 1000),
  },
  breakerHalfOpenAfter: {
    env: 'EDGE_BREAKER_HALF_OPEN_AFTER',
    default: '30s',
    doc: 'How long the open breaker waits before one trial request',
    parse: parse.duration,
  },
  configMqttUrl: {
    env: 'EDGE_CONFIG_MQTT_URL',
    default: '',
    doc: 'Cloud MQTT broker the configuration comes from (`mqtt://` or `mqtts://`, e.g. mqtts://cloud:1885); empty = no config sync (the last applied document, else catalog defaults)',
    parse: optionalMqttUrl,
  },
  configCaFile: {
    env: 'EDGE_CONFIG_CA_FILE',
    default: '',
    doc: 'PEM file of a private CA the config broker certificate is verified against; empty = CLOUD_CA_FILE (plus the system CAs)',
    parse: optionalPath,
  },
  configUsername: {
    env: 'EDGE_CONFIG_USERNAME',
    default: '',
    doc: 'User name at the config broker; empty = GATEWAY_ID',
    parse: parse.string,
  },
  configPassword: {
    env: 'EDGE_CONFIG_PASSWORD',
    default: '',
    doc: 'Password at the config broker; empty = GATEWAY_TOKEN',
    parse: parse.string,
    secret: true,
  },
  configClientId: {
    env: 'EDGE_CONFIG_CLIENT_ID',
    default: '',
    doc: 'Client id at the config broker; empty = `vitals-gw-<GATEWAY_ID>`',
    parse: parse.string,
  },
  alarmLogMaxRows: {
    env: 'EDGE_ALARM_LOG_MAX_ROWS',
    default: '10000',
    doc: 'Rows kept in the `alarm_log` table (local alarm transitions and acknowledgements; oldest removed first)',
    parse: parse.int(100, 10_000_000),
  },
  logLevel: {
    env: 'EDGE_LOG_LEVEL',
    default: 'info',
    doc: 'pino log level (fatal, error, warn, info, debug, trace, silent)',
    parse: parse.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
};

export type EdgeConfig = ConfigOf<typeof edgeSettings>;

/** Parses the environment (once), failing with every problem listed. `overrides` win over the environment. */
export function loadEdgeConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<Record<keyof typeof edgeSettings, unknown>> = {},
): EdgeConfig {
  return readConfig(edgeSettings, env, overrides);
}
