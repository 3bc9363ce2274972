/**
 * One simulated monitor: it samples its patient on a schedule, numbers its frames, queues them, and sends them
 * through its link with a window of sends in flight, recording every send in the ledger with its outcome.
 * Faults act here: malformed sends, duplicates, clock skew, probe-off, disconnect and reboot.
 */
import type { Logger } from 'pino';
import { mllpFrame, parseInstant, type Clock, type MetricCode } from '@vitals/shared';
import { assertFaultSupported, type Fault } from './faults.js';
import {
  controlIdOf,
  formatMeasuredAt,
  hl7Payload,
  jsonPayload,
  toDeviceFrame,
  type AbsentAs,
  type SimFrame,
  type TimestampFormat,
} from './frame-builders.js';
import type { EntryKind, Ledger, LedgerEntry, TransportKind } from './ledger.js';
import type { DeviceLink, LinkHandlers, OutboundMessage, SendOutcome } from './links/link.js';
import { Fifo } from './fifo.js';
import { buildMalformedHl7, buildMalformedJson, type MalformedSend } from './malformed.js';
import type { PatientBaseline } from './patient-profile.js';
import type { Rng } from './prng.js';
import type { ScenarioSpec } from './scenarios.js';
import { createTickScheduler, type TickScheduler } from './scheduler.js';
import { createSignalGenerator, news2OfValues, type SignalGenerator, type VitalSample } from './signal-generator.js';

export interface DeviceConfig {
  readonly id: string;
  readonly transport: TransportKind;
  readonly scenario: ScenarioSpec;
  readonly baseline: PatientBaseline;
  readonly intervalMs: number;
  /** Delay of the first frame after start, ms (spreads many devices over an interval). */
  readonly phaseMs: number;
  readonly metrics?: readonly MetricCode[];
  readonly artefactRate: number;
  /** Sends waiting for their answer at most (MQTT QoS 1 window; 1 = HL7 stop-and-wait). */
  readonly maxInflight: number;
  /** MQTT: frames per message (an array payload when above 1). */
  readonly batch: number;
  /** Frames waiting to be sent at most; newer frames beyond it are dropped and counted. */
  readonly maxQueue: number;
  readonly timestampFormat: TimestampFormat;
  readonly absentAs: AbsentAs;
  /** Send a frame again when the link went down before its answer (at-least-once, as QoS 1 clients do). */
  readonly retransmitLost: boolean;
  /** HL7: send a frame again when its ACK timed out (as MLLP senders may). */
  readonly retransmitTimedOut: boolean;
  readonly maxRetransmits: number;
  readonly oversizedBytes: number;
}

export interface DeviceDeps {
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly log: Logger;
  readonly rng: Rng;
  readonly createLink: (handlers: LinkHandlers) => DeviceLink;
  /** Called when the device connects or disconnects. */
  readonly onLinkChange?: () => void;
}

export interface DeviceStatus {
  readonly id: string;
  readonly transport: TransportKind;
  readonly target: string;
  readonly connected: boolean;
  readonly boot: number;
  readonly nextSeq: number;
  readonly skewMs: number;
  readonly intervalMs: number;
  readonly scenario: ScenarioSpec['kind'];
  /** Scenario progress 0..1 at the last sample. */
  readonly progress: number;
  /** NEWS2 of the last sample's values. */
  readonly news2: number | null;
  readonly lastValues: VitalSample['values'] | null;
  readonly ticks: number;
  readonly queued: number;
  readonly inflight: number;
  /** Frames generated but never sent: queue overflow, reboot, or still queued at stop. */
  readonly dropped: number;
}

type FrameItem = { type: 'frame'; frame: SimFrame; kind: Exclude<EntryKind, 'malformed'>; of?: number; attempts: number };
type Item = FrameItem | { type: 'malformed'; send: MalformedSend };

export class SimDevice {
  readonly id: string;
  private readonly link: DeviceLink;
  private readonly scheduler: TickScheduler;
  private generator: SignalGenerator | undefined;
  private boot = 0;
  private nextSeq = 0;
  private skewMs = 0;
  private readonly queue = new Fifo<Item>();
  private readonly retransmits = new Fifo<Item>();
  private inflight = 0;
  private last: { frame: SimFrame; entryId: number } | undefined;
  private pendingDuplicates = 0;
  private dropped = 0;
  private ticks = 0;
  private lastSample: VitalSample | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly cfg: DeviceConfig,
    private readonly deps: DeviceDeps,
  ) {
    this.id = cfg.id;
    this.link = deps.createLink({
      onUp: () => {
        deps.onLinkChange?.();
        this.pump();
      },
      onDown: (reason) => {
        deps.log.info({ reason }, 'link down');
        deps.onLinkChange?.();
      },
      onSettings: (s) => {
        if (s.samplingIntervalMs !== undefined) {
          deps.log.info({ samplingIntervalMs: s.samplingIntervalMs }, 'sampling interval from settings');
          this.setIntervalMs(s.samplingIntervalMs);
        }
      },
    });
    this.scheduler = createTickScheduler({
      clock: deps.clock,
      intervalMs: cfg.intervalMs,
      phaseMs: cfg.phaseMs,
      onTick: (at) => this.sample(at),
    });
  }

  get connected(): boolean {
    return this.link.connected;
  }

  get transport(): TransportKind {
    return this.cfg.transport;
  }

  /** Connects, and (unless `schedule` is false) starts sampling on the schedule. */
  start(opts: { startMs: number; schedule: boolean }): void {
    this.generator ??= createSignalGenerator({
      rng: this.deps.rng.fork('signal'),
      baseline: this.cfg.baseline,
      scenario: this.cfg.scenario,
      startMs: opts.startMs,
      artefactRate: this.cfg.artefactRate,
      ...(this.cfg.metrics ? { metrics: this.cfg.metrics } : {}),
    });
    this.link.open();
    if (opts.schedule) this.scheduler.start();
  }

  setIntervalMs(ms: number): void {
    this.scheduler.setIntervalMs(ms);
  }

  /** Takes `count` samples now (outside the schedule) and queues their frames. */
  sampleNow(count = 1): void {
    for (let i = 0; i < count; i++) this.sample(this.deps.clock.now());
  }

  fault(fault: Fault): void {
    assertFaultSupported(fault, this.cfg.transport);
    const log = this.deps.log;
    log.info({ fault }, 'fault');
    switch (fault.type) {
      case 'disconnect':
        this.link.drop('disconnect fault', fault.downMs ?? 0);
        return;
      case 'reboot':
        this.boot += 1;
        this.nextSeq = 0;
        this.dropped += this.queue.length + this.retransmits.length;
        this.queue.clear();
        this.retransmits.clear();
        this.last = undefined;
        this.pendingDuplicates = 0;
        this.link.drop('reboot', fault.downMs ?? 0);
        this.pump();
        return;
      case 'clock-skew':
        this.skewMs = fault.offsetMs;
        return;
      case 'probe-off':
        this.generator?.probeOff(fault.metric ?? 'spo2', fault.samples ?? 5);
        return;
      case 'duplicate': {
        const count = fault.count ?? 1;
        if (!this.last) {
          this.pendingDuplicates += count;
          return;
        }
        for (let i = 0; i < count; i++) this.queue.push(this.duplicateOf(this.last));
        this.pump();
        return;
      }
      case 'malformed': {
        const ctx = {
          deviceId: this.id,
          seq: this.nextSeq,
          nowMs: this.deps.clock.now() + this.skewMs,
          values: this.lastSample?.values ?? { heart_rate: 72, spo2: 97 },
          oversizedBytes: this.cfg.oversizedBytes,
        };
        const send = this.cfg.transport === 'mqtt' ? buildMalformedJson(fault.kind, ctx) : buildMalformedHl7(fault.kind, ctx);
        if (send.seq !== undefined) this.nextSeq += 1;
        this.queue.push({ type: 'malformed', send });
        this.pump();
        return;
      }
    }
  }

  /** Stops sampling, sends what is queued (up to `drainTimeoutMs`), then closes the link. */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.scheduler.stop();
    await this.whenIdle(drainTimeoutMs);
    this.dropped += this.queue.length + this.retransmits.length;
    this.queue.clear();
    this.retransmits.clear();
    await this.link.close();
  }

  /** Resolves when nothing is queued or in flight, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.idle()) return Promise.resolve();
    const { clock } = this.deps;
    return new Promise((resolve) => {
      const waiter = () => {
        clock.clearTimeout(timer);
        resolve();
      };
      const timer = clock.setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  status(): DeviceStatus {
    const values = this.lastSample?.values ?? null;
    return {
      id: this.id,
      transport: this.cfg.transport,
      target: this.link.target,
      connected: this.link.connected,
      boot: this.boot,
      nextSeq: this.nextSeq,
      skewMs: this.skewMs,
      intervalMs: this.scheduler.intervalMs,
      scenario: this.cfg.scenario.kind,
      progress: this.lastSample?.progress ?? 0,
      news2: values ? news2OfValues(values).total : null,
      lastValues: values,
      ticks: this.ticks,
      queued: this.queue.length + this.retransmits.length,
      inflight: this.inflight,
      dropped: this.dropped,
    };
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.retransmits.length === 0 && this.inflight === 0;
  }

  private sample(atMs: number): void {
    if (!this.generator) return;
    const sample = this.generator.next(atMs);
    this.lastSample = sample;
    this.ticks += 1;
    const frame: SimFrame = {
      deviceId: this.id,
      boot: this.boot,
      seq: this.nextSeq++,
      measuredAtMs: Math.round(atMs + this.skewMs),
      skewMs: this.skewMs,
      metrics: sample.values,
    };
    if (this.queue.length >= this.cfg.maxQueue) {
      this.dropped += 1;
      return;
    }
    this.queue.push({ type: 'frame', frame, kind: 'frame', attempts: 0 });
    this.pump();
  }

  private duplicateOf(last: { frame: SimFrame; entryId: number }): FrameItem {
    return { type: 'frame', frame: last.frame, kind: 'duplicate', of: last.entryId, attempts: 0 };
  }

  private take(): Item | undefined {
    return this.retransmits.shift() ?? this.queue.shift();
  }

  private peek(): Item | undefined {
    return this.retransmits.peek() ?? this.queue.peek();
  }

  private pump(): void {
    while (this.link.connected && this.inflight < this.cfg.maxInflight) {
      const first = this.take();
      if (!first) break;
      const items: Item[] = [first];
      if (this.cfg.transport === 'mqtt' && first.type === 'frame' && first.kind !== 'duplicate') {
        for (let next = this.peek(); items.length < this.cfg.batch && next; next = this.peek()) {
          if (next.type !== 'frame' || next.kind === 'duplicate') break;
          items.push(this.take()!);
        }
      }
      this.send(items);
    }
    if (this.idle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private send(items: Item[]): void {
    const { clock, ledger } = this.deps;
    const now = clock.now();
    const messageId = ledger.newMessageId();
    const base = { deviceId: this.id, transport: this.cfg.transport, messageId, sentAtMs: now };
    let msg: OutboundMessage;
    let entries: LedgerEntry[];
    const first = items[0]!;
    if (first.type === 'malformed') {
      const m = first.send;
      const measuredAtMs = m.measuredAt === undefined ? Number.NaN : parseInstant(m.measuredAt);
      entries = [
        ledger.record({
          ...base,
          kind: 'malformed',
          malformed: m.kind,
          boot: this.boot,
          seq: m.seq ?? null,
          measuredAt: m.measuredAt ?? null,
          measuredAtMs: Number.isNaN(measuredAtMs) ? null : measuredAtMs,
          skewMs: this.skewMs,
          metrics: m.metrics ?? null,
          ...(m.controlId !== undefined ? { controlId: m.controlId } : {}),
          bytes: m.bytes.length,
        }),
      ];
      msg = { bytes: m.bytes, expectAck: m.expectAck, ...(m.controlId !== undefined ? { controlId: m.controlId } : {}) };
    } else {
      const frameItems = items as FrameItem[];
      let controlId: string | undefined;
      let bytes: Buffer;
      // The ledger keeps the values exactly as they went out (an artefact left out is not in them).
      let sentMetrics = frameItems.map((i) => i.frame.metrics as Readonly<Record<string, unknown>>);
      if (this.cfg.transport === 'mqtt') {
        const wire = frameItems.map((i) => toDeviceFrame(i.frame, this.cfg.timestampFormat, this.cfg.absentAs));
        sentMetrics = wire.map((f) => f.metrics);
        bytes = jsonPayload(wire);
      } else {
        controlId = controlIdOf(first.frame.seq);
        bytes = mllpFrame(hl7Payload(first.frame));
      }
      const format: TimestampFormat = this.cfg.transport === 'mqtt' ? this.cfg.timestampFormat : 'iso';
      entries = frameItems.map((item, i) => {
        const e = ledger.record({
          ...base,
          kind: item.kind,
          boot: item.frame.boot,
          seq: item.frame.seq,
          measuredAt: formatMeasuredAt(item.frame.measuredAtMs, format),
          measuredAtMs: item.frame.measuredAtMs,
          skewMs: item.frame.skewMs,
          metrics: sentMetrics[i]!,
          ...(item.of !== undefined ? { of: item.of } : {}),
          ...(controlId !== undefined ? { controlId } : {}),
          bytes: bytes.length,
        });
        if (item.kind === 'frame') {
          item.of = e.id;
          this.last = { frame: item.frame, entryId: e.id };
        }
        return e;
      });
      msg = { bytes, expectAck: true, ...(controlId !== undefined ? { controlId } : {}) };
      if (this.pendingDuplicates > 0 && this.last) {
        for (let i = 0; i < this.pendingDuplicates; i++) this.queue.unshift(this.duplicateOf(this.last));
        this.pendingDuplicates = 0;
      }
    }
    this.inflight += 1;
    void this.link.send(msg).then((outcome) => this.settled(items, entries, outcome));
  }

  private settled(items: Item[], entries: LedgerEntry[], outcome: SendOutcome): void {
    const at = this.deps.clock.now();
    this.inflight -= 1;
    for (const e of entries) this.deps.ledger.settle(e, outcome, at);
    const again =
      ((outcome.status === 'lost' || outcome.status === 'failed') && this.cfg.retransmitLost) ||
      (outcome.status === 'timeout' && this.cfg.retransmitTimedOut);
    if (again) {
      for (const item of items) {
        if (item.type !== 'frame' || item.kind === 'duplicate') continue;
        if (item.frame.boot !== this.boot || item.attempts >= this.cfg.maxRetransmits) continue;
        this.retransmits.push({ ...item, kind: 'retransmit', attempts: item.attempts + 1 });
      }
    }
    this.pump();
  }
}
