/** Builders for unit tests of the window logic: enriched readings, a manual clock, a recording publisher. */
import { randomUUID } from 'node:crypto';
import { news2SubScore, type Clock, type EnrichedReading, type MetricCode, type TimerHandle } from '@vitals/shared';
import type { WindowQuery } from '../queries/compile.js';
import { MemoryWindowSink } from '../sink/memory-sink.js';
import type { RecordPublisher } from '../sink/ports.js';
import type { WindowRow } from '../windows/window-row.js';
import type { LateReading, MalformedRecord } from './partition-engine.js';
import { openPartitionTask, type PartitionTask } from './partition-task.js';
import type { WatermarkSettings } from './watermark.js';

export const CUSTOMER = '00000000-0000-4000-8000-00000000c001';
export const DEPARTMENT = '00000000-0000-4000-8000-00000000d001';
export const BED = '00000000-0000-4000-8000-00000000b001';
export const PATIENT_A = '00000000-0000-4000-8000-00000000a001';
export const PATIENT_B = '00000000-0000-4000-8000-00000000a002';

const UNITS: Record<MetricCode, string> = {
  heart_rate: '/min',
  spo2: '%',
  resp_rate: '/min',
  nibp_sys: 'mm[Hg]',
  nibp_dia: 'mm[Hg]',
  nibp_mean: 'mm[Hg]',
  temperature: 'Cel',
};

export interface ReadingSpec {
  readonly at: number | string;
  readonly value: number;
  readonly metric?: MetricCode;
  readonly patientId?: string;
  readonly departmentId?: string;
  readonly customerId?: string;
  readonly readingId?: string;
  readonly historical?: boolean;
}

export function enriched(s: ReadingSpec): EnrichedReading {
  const metric = s.metric ?? 'heart_rate';
  const at = typeof s.at === 'number' ? new Date(s.at).toISOString() : s.at;
  const news2 = news2SubScore(metric, s.value);
  return {
    reading: {
      readingId: s.readingId ?? randomUUID(),
      deviceId: 'DEV-1',
      deviceSeq: 1,
      metric,
      value: s.value,
      unit: UNITS[metric],
      measuredAt: at,
      receivedAt: at,
      ...(s.historical ? { historical: true } : {}),
    },
    customerId: s.customerId ?? CUSTOMER,
    patientId: s.patientId ?? PATIENT_A,
    bedId: BED,
    bedLabel: 'A',
    departmentId: s.departmentId ?? DEPARTMENT,
    assignmentId: '00000000-0000-4000-8000-0000000000e1',
    loinc: '8867-4',
    threshold: { state: 'normal' },
    ...(news2 === undefined ? {} : { news2 }),
    enrichedAt: at,
  };
}

/** Input records for a partition, offsets from `first`. */
export function records(specs: readonly (ReadingSpec | EnrichedReading)[], first = 0) {
  return specs.map((s, i) => {
    const e = 'reading' in s ? s : enriched(s);
    return { offset: String(first + i), key: e.patientId, value: JSON.stringify(e) };
  });
}

/** Time moves only when the test advances it; timers due run in order. */
export class ManualClock implements Clock {
  private timers: Array<{ id: number; at: number; fn: () => void; every?: number }> = [];
  private ids = 1;
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }
  clearTimeout(h: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.id !== (h as unknown as number));
  }
  clearInterval(h: TimerHandle): void {
    this.clearTimeout(h);
  }
  /** Moves time to `at` without running timers. */
  set(at: number): void {
    this.t = at;
  }
  /** Moves time forward by `ms`, running each timer that falls due (awaiting what it returns). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every) due.at += due.every;
      else this.timers = this.timers.filter((x) => x !== due);
      await (due.fn() as unknown);
    }
    this.t = end;
  }
  private add(fn: () => void, ms: number, every?: number): TimerHandle {
    const id = this.ids++;
    this.timers.push({ id, at: this.t + Math.max(0, ms), fn, ...(every ? { every } : {}) });
    return id as unknown as TimerHandle;
  }
}

export class RecordingPublisher implements RecordPublisher {
  readonly lateRecords: LateReading[] = [];
  readonly malformedRecords: MalformedRecord[] = [];
  async late(_partition: number, r: readonly LateReading[]): Promise<void> {
    this.lateRecords.push(...r);
  }
  async malformed(_partition: number, r: readonly MalformedRecord[]): Promise<void> {
    this.malformedRecords.push(...r);
  }
}

/** A seeded pseudo-random generator (mulberry32), for reproducible shuffles. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Partition tasks over a memory sink, driven like the runner drives them (batches, ticks on the clock). */
export class Pipeline {
  readonly sink: MemoryWindowSink;
  readonly publisher = new RecordingPublisher();
  readonly changes: WindowRow[] = [];
  private readonly tasks: PartitionTask[] = [];
  private readonly offsets: number[] = [];

  private constructor(
    readonly queries: readonly WindowQuery[],
    readonly clock: ManualClock,
    partitions: number,
  ) {
    this.sink = new MemoryWindowSink(queries, partitions);
  }

  static async create(
    queries: readonly WindowQuery[],
    clock: ManualClock,
    o: { partitions?: number; settings?: WatermarkSettings; tickMs?: number } = {},
  ): Promise<Pipeline> {
    const p = new Pipeline(queries, clock, o.partitions ?? 1);
    const settings = o.settings ?? { maxOutOfOrderMs: 5_000, idleTimeoutMs: 30_000, maxFutureSkewMs: 300_000 };
    for (let i = 0; i < (o.partitions ?? 1); i++) {
      const task = await openPartitionTask(
        i,
        queries,
        settings,
        { sink: p.sink, publisher: p.publisher, clock, onChanges: (rows) => p.changes.push(...rows) },
        async () => 0n,
      );
      p.tasks.push(task);
      p.offsets.push(0);
    }
    clock.setInterval(() => p.tick(), o.tickMs ?? 1_000);
    return p;
  }

  /** One batch (one commit) of readings into a partition. */
  async feed(partition: number, specs: readonly (ReadingSpec | EnrichedReading)[]): Promise<void> {
    const batch = records(specs, this.offsets[partition]);
    this.offsets[partition]! += batch.length;
    await this.tasks[partition]!.runBatch(batch, BigInt(this.offsets[partition]!));
  }

  /** One batch of raw input records (offsets taken from the partition's counter). */
  async feedRaw(partition: number, values: readonly (string | null)[]): Promise<void> {
    const first = this.offsets[partition]!;
    const batch = values.map((value, i) => ({ offset: String(first + i), key: null, value }));
    this.offsets[partition] = first + values.length;
    await this.tasks[partition]!.runBatch(batch, BigInt(this.offsets[partition]!));
  }

  async tick(): Promise<void> {
    for (const t of this.tasks) await t.tick();
    this.changes.push(...(await this.sink.closeDepartments()));
  }

  watermark(partition: number): number | null {
    return this.tasks[partition]!.position.eventTime.watermark;
  }

  rows(): WindowRow[] {
    return this.sink.table.rows();
  }
}
