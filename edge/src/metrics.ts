/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways may share a process in tests).
 * Counters are incremented where things happen; gauges of the buffer are read from its counts when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const UPLINK_STATES = ['disabled', 'idle', 'sending', 'retrying', 'open'] as const;
export type UplinkState = (typeof UPLINK_STATES)[number];

export interface BufferGaugeSource {
  bytesUsed(): number;
  capacityBytes(): number;
  readings(): number;
  unsent(): number;
  oldestUnsentAgeSeconds(): number;
  rejectedRows(): number;
  deadLetterRows(): number;
  uplinkState(): UplinkState;
  devicesOnline(): number;
}

export function createEdgeMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'edge_process_' });
  const registers = [registry];
  let source: BufferGaugeSource | undefined;
  const gauge = (name: string, help: string, read: (s: BufferGaugeSource) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (source) this.set(read(source));
      },
    });

  const metrics = {
    registry,
    framesIn: new Counter({
      name: 'edge_frames_received_total',
      help: 'Frames (MQTT frames, HL7 messages) received',
      labelNames: ['source'],
      registers,
    }),
    readingsIn: new Counter({
      name: 'edge_readings_received_total',
      help: 'Readings committed to the buffer',
      labelNames: ['source'],
      registers,
    }),
    duplicates: new Counter({
      name: 'edge_readings_duplicate_total',
      help: 'Readings received again (resent after a lost acknowledgement) and not stored twice',
      labelNames: ['source'],
      registers,
    }),
    rejected: new Counter({
      name: 'edge_rejected_total',
      help: 'Frames or values rejected, by reason',
      labelNames: ['source', 'reason'],
      registers,
    }),
    garbageBytes: new Counter({
      name: 'edge_garbage_bytes_total',
      help: 'Bytes outside MLLP frames or in cut-off frames, skipped',
      labelNames: ['source'],
      registers,
    }),
    forwarded: new Counter({
      name: 'edge_forwarded_readings_total',
      help: 'Readings the cloud took (accepted or already had)',
      labelNames: ['outcome'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'edge_dead_lettered_total',
      help: 'Readings the cloud rejected, moved to the dead-letter table',
      labelNames: ['reason'],
      registers,
    }),
    dropped: new Counter({
      name: 'edge_dropped_readings_total',
      help: 'Readings dropped because the buffer was full (kind forwarded|unsent)',
      labelNames: ['kind', 'alarm'],
      registers,
    }),
    uplinkRequests: new Counter({
      name: 'edge_uplink_requests_total',
      help: 'Batch requests to the cloud, by result',
      labelNames: ['result'],
      registers,
    }),
    commitFrames: new Histogram({
      name: 'edge_commit_batch_frames',
      help: 'Frames per group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'edge_commit_duration_seconds',
      help: 'Duration of a group commit transaction',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    }),
    bufferBytes: gauge('edge_buffer_bytes', 'Bytes used by the SQLite buffer', (s) => s.bytesUsed()),
    bufferCapacity: gauge('edge_buffer_capacity_bytes', 'Configured size of the buffer', (s) => s.capacityBytes()),
    buffered: gauge('edge_buffered_readings', 'Readings in the buffer (unsent plus forwarded history)', (s) => s.readings()),
    unsent: gauge('edge_unsent_readings', 'Readings not yet forwarded', (s) => s.unsent()),
    oldestUnsentAge: gauge('edge_oldest_unsent_age_seconds', 'Age of the oldest unsent reading (0 when none)', (s) =>
      s.oldestUnsentAgeSeconds(),
    ),
    rejectedRows: gauge('edge_rejected_rows', 'Rows in the bounded rejected table', (s) => s.rejectedRows()),
    deadLetterRows: gauge('edge_dead_letter_rows', 'Rows in the dead-letter table', (s) => s.deadLetterRows()),
    devicesOnline: gauge('edge_devices_online', 'Devices currently connected or reporting online', (s) => s.devicesOnline()),
    uplinkUp: gauge('edge_uplink_up', '1 when the last request to the cloud succeeded and the breaker is closed', (s) =>
      s.uplinkState() === 'idle' || s.uplinkState() === 'sending' ? 1 : 0,
    ),
    uplinkState: new Gauge({
      name: 'edge_uplink_state',
      help: 'Uplink state, one-hot by label (disabled, idle, sending, retrying, open)',
      labelNames: ['state'],
      registers,
      collect() {
        if (!source) return;
        const current = source.uplinkState();
        for (const s of UPLINK_STATES) this.set({ state: s }, s === current ? 1 : 0);
      },
    }),
    /** Connects the scrape-time gauges to the live gateway. */
    bind(s: BufferGaugeSource): void {
      source = s;
    },
  };
  return metrics;
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
