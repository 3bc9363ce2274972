/**
 * The programmatic simulator: `createSimulation(options, deps)` builds a fleet of monitors (MQTT, serial,
 * MLLP over TCP), `start()` connects them and starts sampling, `fault()` injects faults, `setRate()` changes
 * the load, and `ledger` records every send and its acknowledgement for reconciliation.
 */
import pino, { type Logger } from 'pino';
import { DEVICE_ID_PATTERN, systemClock, type Clock, type MetricCode } from '@vitals/shared';
import { SimDevice, type DeviceStatus } from './device.js';
import { SimErrors } from './errors.js';
import type { Fault } from './faults.js';
import type { AbsentAs, TimestampFormat } from './frame-builders.js';
import { Ledger, type LedgerCounts } from './ledger.js';
import { createJsonlSink } from './ledger-file.js';
import { serialConnector, tcpConnector } from './links/connectors.js';
import {
  Backoff,
  DEFAULT_RECONNECT,
  ReconnectTimer,
  type DeviceLink,
  type LinkHandlers,
  type ReconnectPolicy,
} from './links/link.js';
import { createMllpLink } from './links/mllp-link.js';
import { createMqttLink } from './links/mqtt-link.js';
import { DEFAULT_OVERSIZED_BYTES } from './malformed.js';
import { randomBaseline, type PatientBaseline } from './patient-profile.js';
import { createRng, type Rng } from './prng.js';
import type { ScenarioSpec } from './scenarios.js';
import { intervalOfRate } from './scheduler.js';

export type TransportSpec =
  | {
      readonly kind: 'mqtt';
      readonly url: string;
      /** Defaults to the device id. */
      readonly username?: string;
      readonly password?: string;
      /** Defaults to the device id. */
      readonly clientId?: string;
      readonly keepaliveS?: number;
    }
  | { readonly kind: 'serial'; readonly path: string; /** Default 115200. */ readonly baudRate?: number }
  | { readonly kind: 'mllp-tcp'; readonly host: string; readonly port: number };

export interface DeviceSpec {
  readonly id: string;
  readonly transport: TransportSpec;
  /** Default stable. */
  readonly scenario?: ScenarioSpec;
  /** Fix parts of the patient's baseline; the rest is drawn from the seed. */
  readonly baseline?: Partial<PatientBaseline>;
  /** Time between frames, ms (default 1000); `rate` of the simulation overrides it. */
  readonly samplingIntervalMs?: number;
  /** Metrics the monitor measures (default all of the catalog). */
  readonly metrics?: readonly MetricCode[];
  /** Chance per sample of a random artefact (probe off), default 0.002; 0 for none. */
  readonly artefactRate?: number;
  /** Sends awaiting an answer at most: default 64 for MQTT, 1 for HL7 (stop-and-wait). */
  readonly maxInflight?: number;
  /** MQTT: frames per message, default 1 (above 1 the payload is an array). */
  readonly batch?: number;
  /** MQTT: measuredAt as ISO-8601 (default) or epoch ms. */
  readonly timestampFormat?: TimestampFormat;
  /** MQTT: an artefact is sent as null (default) or left out. */
  readonly absentAs?: AbsentAs;
}

/** Frames per second for each device, or for the whole fleet (shared evenly). 0 pauses. */
export type RateTarget = { readonly perDevice: number } | { readonly total: number };

export interface SimulationOptions {
  readonly devices: readonly DeviceSpec[];
  /** Seed of every random choice: patients, noise, artefacts, backoff jitter. Default 1. */
  readonly seed?: number | string;
  /** Overrides each device's sampling interval. */
  readonly rate?: RateTarget;
  /** Append every settled ledger entry to this JSONL file. */
  readonly ledgerFile?: string;
  /** Keep ledger entries in memory for queries (default true). */
  readonly keepLedgerInMemory?: boolean;
  /** HL7: wait this long for an ACK, ms (default 10000). */
  readonly ackTimeoutMs?: number;
  /** On stop, wait this long for queued frames and answers, ms (default 5000). */
  readonly drainTimeoutMs?: number;
  readonly reconnect?: ReconnectPolicy;
  /** Sample on a schedule (default true); false: frames only from `sample()`. */
  readonly schedule?: boolean;
  /** Spread the devices' first frames over one interval (default true). */
  readonly spread?: boolean;
  /** Send again a frame whose link went down before its answer (default true). */
  readonly retransmitLost?: boolean;
  /** HL7: send a frame again when its ACK timed out (default false: the timeout is recorded, nothing more). */
  readonly retransmitTimedOut?: boolean;
  /** Most retransmissions of one frame (default 5). */
  readonly maxRetransmits?: number;
  /** Frames a device queues at most while it cannot send (default 100000). */
  readonly maxQueue?: number;
  /** Size of an `oversized` malformed send, bytes (default 2 MiB). */
  readonly oversizedBytes?: number;
}

export interface LinkContext {
  readonly clock: Clock;
  readonly log: Logger;
  readonly rng: Rng;
  readonly handlers: LinkHandlers;
  readonly reconnect: ReconnectPolicy;
  readonly ackTimeoutMs: number;
}

export interface SimulationDeps {
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Default: silent. */
  readonly logger?: Logger;
  /** Builds a device's link; default: MQTT, serial or TCP by the spec. */
  readonly createLink?: (spec: DeviceSpec, ctx: LinkContext) => DeviceLink;
}

export type SimulationState = 'created' | 'running' | 'stopping' | 'stopped';

export interface SimulationStatus {
  readonly state: SimulationState;
  readonly startedAt: string | null;
  readonly devices: readonly DeviceStatus[];
  readonly ledger: LedgerCounts;
}

export interface Simulation {
  readonly ledger: Ledger;
  readonly deviceIds: readonly string[];
  /** Connects every device and starts sampling (unless `schedule: false`). */
  start(): Promise<void>;
  /** Resolves when every device is connected; SIM_ERR_LINK_DOWN after `timeoutMs` (default 10000). */
  waitConnected(timeoutMs?: number): Promise<void>;
  /** Takes `count` samples now on the given devices (default all) and sends them. */
  sample(devices?: string | readonly string[], count?: number): void;
  /** Injects a fault into the given devices (default all). */
  fault(fault: Fault, devices?: string | readonly string[]): void;
  setRate(rate: RateTarget): void;
  /** Resolves when no device has anything queued or in flight, or after `timeoutMs` (default 10000). */
  whenIdle(timeoutMs?: number): Promise<void>;
  status(): SimulationStatus;
  /** Stops sampling, drains, closes every link, flushes the ledger file; returns the final counts. */
  stop(): Promise<LedgerCounts>;
}

const HL7_DEFAULT_INFLIGHT = 1;
const MQTT_DEFAULT_INFLIGHT = 64;

function defaultLink(spec: DeviceSpec, ctx: LinkContext): DeviceLink {
  const reconnect = new ReconnectTimer(ctx.clock, new Backoff(ctx.reconnect, ctx.rng));
  const t = spec.transport;
  if (t.kind === 'mqtt') {
    return createMqttLink(
      {
        url: t.url,
        deviceId: spec.id,
        ...(t.username !== undefined ? { username: t.username } : {}),
        ...(t.password !== undefined ? { password: t.password } : {}),
        ...(t.clientId !== undefined ? { clientId: t.clientId } : {}),
        ...(t.keepaliveS !== undefined ? { keepaliveS: t.keepaliveS } : {}),
      },
      { clock: ctx.clock, log: ctx.log, reconnect, handlers: ctx.handlers },
    );
  }
  const connector = t.kind === 'serial' ? serialConnector(t.path, t.baudRate ?? 115200) : tcpConnector(t.host, t.port);
  return createMllpLink(
    { deviceId: spec.id, ackTimeoutMs: ctx.ackTimeoutMs },
    { clock: ctx.clock, log: ctx.log, reconnect, handlers: ctx.handlers, connector },
  );
}

function validate(options: SimulationOptions): void {
  const problems: string[] = [];
  if (options.devices.length === 0) problems.push('at least one device is needed');
  const ids = new Set<string>();
  const idPattern = new RegExp(DEVICE_ID_PATTERN);
  const serialPaths = new Set<string>();
  for (const d of options.devices) {
    if (!idPattern.test(d.id)) problems.push(`device id ${JSON.stringify(d.id)} does not match ${DEVICE_ID_PATTERN}`);
    if (ids.has(d.id)) problems.push(`device id ${d.id} is used twice`);
    ids.add(d.id);
    if (d.samplingIntervalMs !== undefined && !(d.samplingIntervalMs > 0))
      problems.push(`${d.id}: samplingIntervalMs must be > 0`);
    if (d.maxInflight !== undefined && !(Number.isInteger(d.maxInflight) && d.maxInflight >= 1)) {
      problems.push(`${d.id}: maxInflight must be a positive integer`);
    }
    if (d.batch !== undefined && !(Number.isInteger(d.batch) && d.batch >= 1 && d.batch <= 1000)) {
      problems.push(`${d.id}: batch must be an integer 1-1000`);
    }
    if (d.transport.kind === 'serial') {
      if (serialPaths.has(d.transport.path)) problems.push(`serial port ${d.transport.path} is used by two devices`);
      serialPaths.add(d.transport.path);
    }
  }
  const rate = options.rate ? ('perDevice' in options.rate ? options.rate.perDevice : options.rate.total) : 1;
  if (!(rate >= 0 && Number.isFinite(rate))) problems.push('rate must be a finite number >= 0');
  if (problems.length > 0) throw SimErrors.SIM_ERR_INVALID_OPTIONS(problems.join('; '));
}

function perDeviceInterval(rate: RateTarget, devices: number): number {
  return intervalOfRate('perDevice' in rate ? rate.perDevice : rate.total / devices);
}

export function createSimulation(options: SimulationOptions, deps: SimulationDeps = {}): Simulation {
  validate(options);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const createLink = deps.createLink ?? defaultLink;
  const rng = createRng(options.seed ?? 1);
  const ledger = new Ledger({
    ...(options.ledgerFile ? { sink: createJsonlSink(options.ledgerFile) } : {}),
    keepInMemory: options.keepLedgerInMemory ?? true,
  });
  const drainTimeoutMs = options.drainTimeoutMs ?? 5000;
  const linkWatchers = new Set<() => void>();
  const n = options.devices.length;
  let state: SimulationState = 'created';
  let startedAt: number | null = null;

  const devices = new Map<string, SimDevice>();
  options.devices.forEach((spec, index) => {
    const deviceRng = rng.fork(`device/${spec.id}`);
    const log = logger.child({ deviceId: spec.id, transport: spec.transport.kind });
    const intervalMs = options.rate ? perDeviceInterval(options.rate, n) : (spec.samplingIntervalMs ?? 1000);
    const hl7 = spec.transport.kind !== 'mqtt';
    const device = new SimDevice(
      {
        id: spec.id,
        transport: spec.transport.kind,
        scenario: spec.scenario ?? { kind: 'stable' },
        baseline: randomBaseline(deviceRng.fork('patient'), spec.baseline),
        intervalMs,
        phaseMs: options.spread === false || !Number.isFinite(intervalMs) ? 0 : (intervalMs * index) / n,
        ...(spec.metrics ? { metrics: spec.metrics } : {}),
        artefactRate: spec.artefactRate ?? 0.002,
        maxInflight: spec.maxInflight ?? (hl7 ? HL7_DEFAULT_INFLIGHT : MQTT_DEFAULT_INFLIGHT),
        batch: hl7 ? 1 : (spec.batch ?? 1),
        maxQueue: options.maxQueue ?? 100_000,
        timestampFormat: spec.timestampFormat ?? 'iso',
        absentAs: spec.absentAs ?? 'null',
        retransmitLost: options.retransmitLost ?? true,
        retransmitTimedOut: options.retransmitTimedOut ?? false,
        maxRetransmits: options.maxRetransmits ?? 5,
        oversizedBytes: options.oversizedBytes ?? DEFAULT_OVERSIZED_BYTES,
      },
      {
        clock,
        ledger,
        log,
        rng: deviceRng,
        createLink: (handlers) =>
          createLink(spec, {
            clock,
            log,
            rng: deviceRng.fork('link'),
            handlers,
            reconnect: options.reconnect ?? DEFAULT_RECONNECT,
            ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
          }),
        onLinkChange: () => {
          for (const w of [...linkWatchers]) w();
        },
      },
    );
    devices.set(spec.id, device);
  });

  const select = (ids?: string | readonly string[]): SimDevice[] => {
    if (ids === undefined) return [...devices.values()];
    return (typeof ids === 'string' ? [ids] : ids).map((id) => {
      const d = devices.get(id);
      if (!d) throw SimErrors.SIM_ERR_UNKNOWN_DEVICE(id);
      return d;
    });
  };

  const requireRunning = (): void => {
    if (state !== 'running') throw SimErrors.SIM_ERR_NOT_RUNNING(state);
  };

  return {
    ledger,
    deviceIds: [...devices.keys()],
    async start() {
      if (state !== 'created') throw SimErrors.SIM_ERR_NOT_RUNNING(`${state}, not new`);
      state = 'running';
      startedAt = clock.now();
      logger.info({ devices: n, seed: options.seed ?? 1 }, 'simulation starting');
      for (const d of devices.values()) d.start({ startMs: startedAt, schedule: options.schedule ?? true });
    },
    waitConnected(timeoutMs = 10_000) {
      const down = () => [...devices.values()].filter((d) => !d.connected).map((d) => d.id);
      if (down().length === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (down().length > 0) return;
          finish();
          resolve();
        };
        const timer = clock.setTimeout(() => {
          finish();
          reject(SimErrors.SIM_ERR_LINK_DOWN(down().join(', ')));
        }, timeoutMs);
        const finish = () => {
          clock.clearTimeout(timer);
          linkWatchers.delete(check);
        };
        linkWatchers.add(check);
      });
    },
    sample(ids, count = 1) {
      requireRunning();
      for (const d of select(ids)) d.sampleNow(count);
    },
    fault(fault, ids) {
      requireRunning();
      const targets = select(ids);
      for (const d of targets) d.fault(fault);
    },
    setRate(rate) {
      const value = 'perDevice' in rate ? rate.perDevice : rate.total;
      if (!(value >= 0 && Number.isFinite(value))) throw SimErrors.SIM_ERR_INVALID_OPTIONS('rate must be a finite number >= 0');
      const interval = perDeviceInterval(rate, n);
      logger.info({ rate }, 'rate changed');
      for (const d of devices.values()) d.setIntervalMs(interval);
    },
    async whenIdle(timeoutMs = 10_000) {
      await Promise.all([...devices.values()].map((d) => d.whenIdle(timeoutMs)));
    },
    status() {
      return {
        state,
        startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
        devices: [...devices.values()].map((d) => d.status()),
        ledger: ledger.counts(),
      };
    },
    async stop() {
      if (state === 'stopped' || state === 'stopping') return ledger.counts();
      const wasRunning = state === 'running';
      state = 'stopping';
      if (wasRunning) await Promise.all([...devices.values()].map((d) => d.stop(drainTimeoutMs)));
      await ledger.close();
      state = 'stopped';
      const counts = ledger.counts();
      logger.info({ counts }, 'simulation stopped');
      return counts;
    },
  };
}
