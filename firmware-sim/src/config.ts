/**
 * Settings of `vitals sim`, read once from SIM_* environment variables (docs/configuration.md lists them);
 * command-line flags override them. Nothing else in the simulator reads the environment.
 */
import { ConfigError, parse, readConfig, type ConfigOf } from '@vitals/shared';
import { parseHostPort } from './fleet.js';
import type { TransportKind } from './ledger.js';

const TRANSPORTS: readonly TransportKind[] = ['mqtt', 'mllp-tcp', 'serial'];

const transports = (raw: string): TransportKind[] => {
  const list = parse.list(raw);
  if (list.length === 0) throw new Error('name at least one transport');
  for (const t of list)
    if (!(TRANSPORTS as readonly string[]).includes(t)) throw new Error(`must be among ${TRANSPORTS.join(', ')}`);
  return list as TransportKind[];
};

const number =
  (min: number, max = Number.MAX_VALUE) =>
  (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`must be a number from ${min} to ${max}`);
    return n;
  };

const optionalPort = (raw: string): number | undefined => (raw.trim() === '' ? undefined : parse.port(raw));
const optionalInt = (min: number, max: number) => (raw: string) => (raw.trim() === '' ? undefined : parse.int(min, max)(raw));
const hostPort = (raw: string) => {
  try {
    return parseHostPort(raw);
  } catch {
    throw new Error('must be host:port');
  }
};

export const simSettings = {
  devices: { env: 'SIM_DEVICES', default: '1', doc: 'Number of simulated monitors', parse: parse.int(1, 100_000) },
  transports: {
    env: 'SIM_TRANSPORT',
    default: 'mqtt',
    doc: 'Transport of the monitors: mqtt, mllp-tcp or serial, or a comma-separated mix handed out round-robin',
    parse: transports,
  },
  mqttUrl: {
    env: 'SIM_MQTT_URL',
    default: 'mqtt://127.0.0.1:1884',
    doc: "MQTT broker the monitors publish to (default: the edge gateway's embedded broker)",
    parse: parse.url,
  },
  mqttPassword: {
    env: 'SIM_MQTT_PASSWORD',
    default: '',
    doc: 'MQTT password of each monitor (the user name is the device id); `{deviceId}` in it is replaced; empty: none',
    parse: parse.string,
    secret: true,
  },
  mllp: {
    env: 'SIM_MLLP',
    default: '127.0.0.1:2575',
    doc: 'host:port of the MLLP (HL7 over TCP) listener for mllp-tcp monitors',
    parse: hostPort,
  },
  serialPaths: {
    env: 'SIM_SERIAL',
    default: '',
    doc: 'Serial ports of the serial monitors, comma-separated, one per monitor (e.g. socat pty links)',
    parse: parse.list,
  },
  baudRate: { env: 'SIM_BAUD', default: '115200', doc: 'Baud rate of the serial ports', parse: parse.int(50, 4_000_000) },
  rate: {
    env: 'SIM_RATE',
    default: '1',
    doc: 'Frames per second of each monitor (fractions allowed, 0 = paused until settings or the control API set a rate)',
    parse: number(0, 100_000),
  },
  totalRate: {
    env: 'SIM_TOTAL_RATE',
    default: '0',
    doc: 'Frames per second of the whole fleet, shared evenly; overrides SIM_RATE when above 0',
    parse: number(0, 10_000_000),
  },
  scenario: {
    env: 'SIM_SCENARIO',
    default: 'stable',
    doc: 'stable, sepsis (every monitor deteriorates) or mixed (every third monitor deteriorates)',
    parse: parse.oneOf('stable', 'sepsis', 'mixed'),
  },
  deterioration: {
    env: 'SIM_DETERIORATION',
    default: '30m',
    doc: 'Time a sepsis patient takes from baseline to the full picture (NEWS2 >= 7)',
    parse: parse.duration,
  },
  seed: { env: 'SIM_SEED', default: '1', doc: 'Seed of every random choice (patients, noise, artefacts)', parse: parse.nonEmpty },
  duration: {
    env: 'SIM_DURATION',
    default: '0',
    doc: 'Stop after this long (e.g. 10m); 0 runs until SIGINT/SIGTERM',
    parse: parse.duration,
  },
  ledgerFile: {
    env: 'SIM_LEDGER',
    default: '',
    doc: 'JSONL file the ledger (every send and its acknowledgement) is written to; empty: none',
    parse: parse.string,
  },
  devicePrefix: {
    env: 'SIM_DEVICE_PREFIX',
    default: 'SIM-',
    doc: 'Prefix of the device ids (followed by 001, 002, ...)',
    parse: parse.nonEmpty,
  },
  port: {
    env: 'SIM_PORT',
    default: '',
    doc: 'Port of the HTTP control API (status, ledger counts, faults, rate); empty: no control API; 0: any free port',
    parse: optionalPort,
  },
  host: { env: 'SIM_HOST', default: '127.0.0.1', doc: 'Address the control API listens on', parse: parse.nonEmpty },
  artefactRate: {
    env: 'SIM_ARTEFACT_RATE',
    default: '0.002',
    doc: 'Chance per frame that a random artefact (probe off: value null) starts',
    parse: number(0, 1),
  },
  batch: { env: 'SIM_BATCH', default: '1', doc: 'MQTT frames per message (above 1: a JSON array)', parse: parse.int(1, 1000) },
  maxInflight: {
    env: 'SIM_MAX_INFLIGHT',
    default: '',
    doc: 'Sends per monitor awaiting their PUBACK/ACK at most; empty: 64 for MQTT, 1 for HL7',
    parse: optionalInt(1, 65_535),
  },
  ackTimeoutMs: {
    env: 'SIM_ACK_TIMEOUT',
    default: '10s',
    doc: 'How long an HL7 monitor waits for an ACK',
    parse: parse.duration,
  },
  timestampFormat: {
    env: 'SIM_TIMESTAMP_FORMAT',
    default: 'iso',
    doc: 'measuredAt of MQTT frames as iso (ISO-8601) or epoch (milliseconds)',
    parse: parse.oneOf('iso', 'epoch'),
  },
  logLevel: {
    env: 'SIM_LOG_LEVEL',
    default: 'info',
    doc: 'pino log level (logs go to stderr)',
    parse: parse.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
} as const;

export type SimConfig = ConfigOf<typeof simSettings>;
export type SimSettingKey = keyof typeof simSettings;

/**
 * Reads the settings from the environment, with command-line values (raw strings, keyed by setting)
 * taking precedence. Fails with every problem listed.
 */
export function loadSimConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  flags: Partial<Record<SimSettingKey, string>> = {},
  flagNames: Partial<Record<SimSettingKey, string>> = {},
): SimConfig {
  const overrides: Partial<Record<SimSettingKey, unknown>> = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(flags) as Array<[SimSettingKey, string | undefined]>) {
    if (raw === undefined) continue;
    try {
      overrides[key] = simSettings[key].parse(raw) ?? null;
    } catch (err) {
      problems.push(`${flagNames[key] ?? key} ${JSON.stringify(raw)}: ${(err as Error).message}`);
    }
  }
  let config: Record<string, unknown> = {};
  try {
    config = readConfig(simSettings, env, overrides) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // `null` stood for "given, but empty" (an optional setting turned off on the command line).
  const out: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(out)) if (v === null) out[k] = undefined;
  return Object.freeze(out) as SimConfig;
}
