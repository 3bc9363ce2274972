/**
 * One input partition at run time: its engine, its committed position, and the steps that change them, run one
 * at a time (a batch of input, or an idle tick). A step computes its outcome from the committed state, publishes
 * late and malformed records, commits windows and position together through the sink, and only then adopts the
 * new state and hands the committed changes on. A failed step changes nothing here; the caller rebuilds the task
 * from the sink (`openPartitionTask`) and re-reads the input from the stored offset.
 */
import type { Clock } from '@vitals/shared';
import type { WindowQuery } from '../queries/compile.js';
import type { ChangeListener, PartitionPosition, RecordPublisher, WindowSink } from '../sink/ports.js';
import { PartitionEngine, type BatchResult, type InputRecord } from './partition-engine.js';
import type { WatermarkSettings } from './watermark.js';

export interface StepReport {
  readonly partition: number;
  readonly kind: 'batch' | 'idle';
  readonly records: number;
  readonly result?: BatchResult;
  readonly rows: number;
  readonly finals: number;
  readonly seconds: number;
  readonly position: PartitionPosition;
}

export interface PartitionTaskDeps {
  readonly sink: WindowSink;
  readonly publisher: RecordPublisher;
  readonly clock: Clock;
  readonly onChanges: ChangeListener;
  /** Told about every committed step (metrics, logs). */
  readonly onStep?: (report: StepReport) => void;
}

export class PartitionTask {
  private chain: Promise<unknown> = Promise.resolve();
  closed = false;

  constructor(
    readonly partition: number,
    readonly engine: PartitionEngine,
    private committed: PartitionPosition,
    private readonly deps: PartitionTaskDeps,
  ) {}

  /** The position last committed by this task. */
  get position(): PartitionPosition {
    return this.committed;
  }

  /** Runs `fn` after every step queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Processes `records` (offsets at or after the committed next offset, in partition order) and commits them
   * with `nextOffset` as the new next offset. False when the task was closed before the step ran.
   */
  runBatch(records: readonly InputRecord[], nextOffset: bigint): Promise<boolean> {
    return this.serial(async () => {
      if (this.closed) return false;
      if (nextOffset <= this.committed.nextOffset && records.length === 0) return true;
      const { clock } = this.deps;
      const t0 = clock.now();
      const result = this.engine.process(records, t0);
      if (result.late.length > 0) await this.deps.publisher.late(this.partition, result.late);
      if (result.malformed.length > 0) await this.deps.publisher.malformed(this.partition, result.malformed);
      const next: PartitionPosition = { nextOffset, eventTime: result.state };
      const rows = await this.deps.sink.commit({
        partition: this.partition,
        expected: this.committed,
        next,
        deltas: result.deltas,
      });
      this.committed = next;
      this.engine.adopt(result.state, t0, records.length > 0);
      this.deps.onChanges(rows);
      this.deps.onStep?.({
        partition: this.partition,
        kind: 'batch',
        records: records.length,
        result,
        rows: rows.length,
        finals: rows.filter((r) => r.final).length,
        seconds: (clock.now() - t0) / 1000,
        position: next,
      });
      return true;
    });
  }

  /** Advances the watermark of a silent partition by wall clock and commits what that closes. */
  tick(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      const { clock } = this.deps;
      const t0 = clock.now();
      const state = this.engine.idle(t0);
      if (state === this.engine.state) return;
      const next: PartitionPosition = { nextOffset: this.committed.nextOffset, eventTime: state };
      const rows = await this.deps.sink.commit({ partition: this.partition, expected: this.committed, next, deltas: [] });
      this.committed = next;
      this.engine.adopt(state, t0, false);
      this.deps.onChanges(rows);
      this.deps.onStep?.({
        partition: this.partition,
        kind: 'idle',
        records: 0,
        rows: rows.length,
        finals: rows.filter((r) => r.final).length,
        seconds: (clock.now() - t0) / 1000,
        position: next,
      });
    });
  }

  /** Stops taking steps; resolves when the step under way (if any) is over. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }
}

/** Builds a partition's task from the sink's stored position (storing `initialOffset()` first if there is none). */
export async function openPartitionTask(
  partition: number,
  queries: readonly WindowQuery[],
  settings: WatermarkSettings,
  deps: PartitionTaskDeps,
  initialOffset: () => Promise<bigint>,
): Promise<PartitionTask> {
  const position = await deps.sink.position(partition, initialOffset);
  const engine = new PartitionEngine(queries, partition, settings, position.eventTime, deps.clock.now());
  return new PartitionTask(partition, engine, position, deps);
}
