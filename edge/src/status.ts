/**
 * The gateway's status as JSON (`GET /api/status`), built from the same counters Prometheus scrapes and the
 * live state of the buffer, the listeners and the uplink.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Counter } from 'prom-client';
import type { Clock } from '@vitals/shared';
import type { ReadingStore } from './buffer/reading-store.js';
import type { EdgeConfig } from './config.js';
import type { Forwarder } from './forwarder/forwarder.js';
import type { Ingest } from './ingest/ingest.js';
import type { MllpServer } from './ingest/mllp-tcp/mllp-server.js';
import type { EmbeddedBroker } from './ingest/mqtt/embedded-broker.js';
import type { ExternalClient } from './ingest/mqtt/external-client.js';
import type { SerialLink } from './ingest/serial/serial-link.js';
import type { LocalState } from './local-state.js';
import type { BufferGaugeSource, EdgeMetrics } from './metrics.js';

const Counts = Type.Record(Type.String(), Type.Number());

export const StatusSchema = Type.Object(
  {
    gatewayId: Type.String(),
    startedAt: Type.String(),
    uptimeSeconds: Type.Number(),
    buffer: Type.Object({
      dataDir: Type.String(),
      bytesUsed: Type.Number(),
      capacityBytes: Type.Number(),
      readings: Type.Number(),
      unsent: Type.Number(),
      oldestUnsentAgeSeconds: Type.Number(),
      rejectedRows: Type.Number(),
      deadLetterRows: Type.Number(),
    }),
    ingest: Type.Object({
      framesIn: Counts,
      readingsIn: Counts,
      duplicates: Type.Number(),
      rejected: Counts,
      garbageBytes: Type.Number(),
      pendingFrames: Type.Number(),
    }),
    uplink: Type.Object({
      enabled: Type.Boolean(),
      url: Type.Union([Type.String(), Type.Null()]),
      state: Type.String(),
      breaker: Type.String(),
      consecutiveFailures: Type.Number(),
      lastError: Type.Union([Type.String(), Type.Null()]),
      lastSuccessAt: Type.Union([Type.String(), Type.Null()]),
      order: Type.String(),
      forwarded: Counts,
      deadLettered: Type.Number(),
    }),
    dropped: Counts,
    listeners: Type.Object({
      mqtt: Type.Object({ mode: Type.String(), port: Type.Union([Type.Number(), Type.Null()]), connected: Type.Boolean() }),
      mllp: Type.Object({ port: Type.Union([Type.Number(), Type.Null()]) }),
      serial: Type.Array(
        Type.Object({
          path: Type.String(),
          baudRate: Type.Number(),
          state: Type.String(),
          opens: Type.Number(),
          lastError: Type.Union([Type.String(), Type.Null()]),
        }),
      ),
    }),
    devices: Type.Object({
      online: Type.Number(),
      list: Type.Array(Type.Object({ deviceId: Type.String(), status: Type.String() })),
    }),
  },
  { $id: 'EdgeStatus' },
);
export type EdgeStatus = Static<typeof StatusSchema>;

/** Sums a counter's values grouped by one label (or all together when `label` is undefined). */
export async function countBy(counter: Counter, label?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await counter.get()).values) {
    const key = label === undefined ? 'total' : String(v.labels[label] ?? '');
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

export async function total(counter: Counter): Promise<number> {
  return (await countBy(counter)).total ?? 0;
}

export async function counterSection(m: EdgeMetrics) {
  return {
    ingest: {
      framesIn: await countBy(m.framesIn, 'source'),
      readingsIn: await countBy(m.readingsIn, 'source'),
      duplicates: await total(m.duplicates),
      rejected: await countBy(m.rejected, 'reason'),
      garbageBytes: await total(m.garbageBytes),
    },
    forwarded: await countBy(m.forwarded, 'outcome'),
    deadLettered: await total(m.deadLettered),
    dropped: await countBy(m.dropped, 'kind'),
  };
}

export interface StatusParts {
  readonly config: EdgeConfig;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly store: ReadingStore;
  readonly metrics: EdgeMetrics;
  readonly state: LocalState;
  readonly ingest: Ingest;
  readonly forwarder: Forwarder | undefined;
  readonly embedded: EmbeddedBroker | undefined;
  readonly external: ExternalClient | undefined;
  readonly mllp: MllpServer | undefined;
  readonly serial: readonly SerialLink[];
}

/** The JSON status and the scrape-time gauges, read from the running parts. */
export function statusReporter(p: StatusParts): { status(): Promise<EdgeStatus>; gauges: BufferGaugeSource } {
  const { config, clock, store, state, forwarder } = p;
  const oldestUnsentAgeSeconds = () => {
    const oldest = store.oldestUnsentReceivedAt();
    return oldest === undefined ? 0 : (clock.now() - oldest) / 1000;
  };
  const gauges: BufferGaugeSource = {
    bytesUsed: () => store.usedBytes(),
    capacityBytes: () => config.bufferMaxBytes,
    readings: () => store.counts.readings,
    unsent: () => store.counts.unsent,
    oldestUnsentAgeSeconds,
    rejectedRows: () => store.counts.rejected,
    deadLetterRows: () => store.counts.deadLetters,
    uplinkState: () => forwarder?.state ?? 'disabled',
    devicesOnline: () => state.onlineCount(),
  };
  const status = async (): Promise<EdgeStatus> => {
    const c = await counterSection(p.metrics);
    const fw = forwarder?.status();
    return {
      gatewayId: config.gatewayId,
      startedAt: new Date(p.startedAt).toISOString(),
      uptimeSeconds: (clock.now() - p.startedAt) / 1000,
      buffer: {
        dataDir: config.dataDir,
        bytesUsed: store.usedBytes(),
        capacityBytes: config.bufferMaxBytes,
        readings: store.counts.readings,
        unsent: store.counts.unsent,
        oldestUnsentAgeSeconds: oldestUnsentAgeSeconds(),
        rejectedRows: store.counts.rejected,
        deadLetterRows: store.counts.deadLetters,
      },
      ingest: { ...c.ingest, pendingFrames: p.ingest.pending() },
      uplink: {
        enabled: forwarder !== undefined,
        url: config.cloudUrl,
        state: fw?.state ?? 'disabled',
        breaker: fw?.breaker ?? 'Closed',
        consecutiveFailures: fw?.consecutiveFailures ?? 0,
        lastError: fw?.lastError ?? null,
        lastSuccessAt: fw?.lastSuccessAt ?? null,
        order: config.forwardOrder,
        forwarded: c.forwarded,
        deadLettered: c.deadLettered,
      },
      dropped: c.dropped,
      listeners: {
        mqtt: {
          mode: config.mqttMode,
          port: p.embedded?.port ?? null,
          connected: p.external ? p.external.connected() : p.embedded !== undefined,
        },
        mllp: { port: p.mllp?.port ?? null },
        serial: p.serial.map((l) => {
          const s = l.status();
          return { path: s.path, baudRate: s.baudRate, state: s.state, opens: s.opens, lastError: s.lastError ?? null };
        }),
      },
      devices: {
        online: state.onlineCount(),
        list: state.devices().map((deviceId) => ({ deviceId, status: state.presence(deviceId)?.status ?? 'unknown' })),
      },
    };
  };
  return { status, gauges };
}
