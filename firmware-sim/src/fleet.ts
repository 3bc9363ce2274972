/** Builds a fleet of device specs from counts and addresses, as the CLI and load tests describe it. */
import { SimErrors } from './errors.js';
import type { TimestampFormat } from './frame-builders.js';
import type { TransportKind } from './ledger.js';
import { DEFAULT_SEPSIS_DURATION_MS, scenarioFor, type ScenarioName } from './scenarios.js';
import type { DeviceSpec } from './simulation.js';

export interface FleetOptions {
  readonly count: number;
  /** Device ids are the prefix and a 3-digit number from 001 (default `SIM-`). */
  readonly prefix?: string;
  /** Transports handed out round-robin (default mqtt). */
  readonly transports?: readonly TransportKind[];
  readonly mqttUrl?: string;
  /** MQTT password: a pattern where `{deviceId}` is replaced, or a map device id -> password. */
  readonly mqttPassword?: string | Readonly<Record<string, string>>;
  readonly mllp?: { readonly host: string; readonly port: number };
  /** One serial port per serial device, in order. */
  readonly serialPaths?: readonly string[];
  readonly baudRate?: number;
  readonly scenario?: ScenarioName;
  readonly sepsisDurationMs?: number;
  readonly samplingIntervalMs?: number;
  readonly artefactRate?: number;
  readonly batch?: number;
  readonly maxInflight?: number;
  readonly timestampFormat?: TimestampFormat;
}

export function passwordFor(deviceId: string, source: FleetOptions['mqttPassword']): string | undefined {
  if (source === undefined) return undefined;
  if (typeof source === 'string') return source === '' ? undefined : source.replaceAll('{deviceId}', deviceId);
  return source[deviceId];
}

/** Parses `host:port`. */
export function parseHostPort(raw: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !m[1] || port > 65535) throw SimErrors.SIM_ERR_INVALID_OPTIONS(`${JSON.stringify(raw)} is not host:port`);
  return { host: m[1], port };
}

export function buildFleet(o: FleetOptions): DeviceSpec[] {
  const transports = o.transports && o.transports.length > 0 ? o.transports : (['mqtt'] as const);
  const prefix = o.prefix ?? 'SIM-';
  const serial = [...(o.serialPaths ?? [])];
  const specs: DeviceSpec[] = [];
  for (let i = 0; i < o.count; i++) {
    const id = `${prefix}${String(i + 1).padStart(3, '0')}`;
    const kind = transports[i % transports.length]!;
    let transport: DeviceSpec['transport'];
    if (kind === 'mqtt') {
      if (!o.mqttUrl) throw SimErrors.SIM_ERR_INVALID_OPTIONS('an MQTT URL is needed for mqtt devices');
      const password = passwordFor(id, o.mqttPassword);
      transport = { kind, url: o.mqttUrl, ...(password !== undefined ? { password } : {}) };
    } else if (kind === 'mllp-tcp') {
      if (!o.mllp) throw SimErrors.SIM_ERR_INVALID_OPTIONS('an MLLP host:port is needed for mllp-tcp devices');
      transport = { kind, host: o.mllp.host, port: o.mllp.port };
    } else {
      const path = serial.shift();
      if (!path) throw SimErrors.SIM_ERR_INVALID_OPTIONS(`device ${id} is a serial device but no serial port is left for it`);
      transport = { kind, path, ...(o.baudRate ? { baudRate: o.baudRate } : {}) };
    }
    specs.push({
      id,
      transport,
      scenario: scenarioFor(o.scenario ?? 'stable', i, o.sepsisDurationMs ?? DEFAULT_SEPSIS_DURATION_MS),
      ...(o.samplingIntervalMs !== undefined ? { samplingIntervalMs: o.samplingIntervalMs } : {}),
      ...(o.artefactRate !== undefined ? { artefactRate: o.artefactRate } : {}),
      ...(o.batch !== undefined ? { batch: o.batch } : {}),
      ...(o.maxInflight !== undefined ? { maxInflight: o.maxInflight } : {}),
      ...(o.timestampFormat !== undefined ? { timestampFormat: o.timestampFormat } : {}),
    });
  }
  return specs;
}
