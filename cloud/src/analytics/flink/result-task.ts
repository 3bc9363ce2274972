/**
 * One partition of the `window-results` topic at run time (STREAM_ENGINE=flink): a batch of the Flink job's
 * window rows applied to PostgreSQL with the partition's next offset in one transaction (exactly once: the
 * store refuses a commit from a stale position), then handed to the WebSocket hub. A record that is not a
 * window row of a known query goes to readings-dlq with the reason, and costs nothing else.
 */
import type { Clock } from '@vitals/shared';
import type { InputRecord, MalformedRecord } from '../engine/partition-engine.js';
import { NO_EVENT_TIME } from '../engine/watermark.js';
import type { StreamTask } from '../kafka/consumer-runner.js';
import type { ChangeListener, PartitionPosition, RecordPublisher } from '../sink/ports.js';
import type { PgWindowStore } from '../sink/pg-window-store.js';
import type { WindowRow } from '../windows/window-row.js';
import { coalesceResults, decodeWindowResult, type WindowResult } from './window-result.js';

export interface ResultStepReport {
  readonly partition: number;
  readonly records: number;
  readonly rows: number;
  readonly finals: number;
  readonly malformed: number;
  readonly seconds: number;
}

export interface ResultTaskDeps {
  readonly store: Pick<PgWindowStore, 'applyResults' | 'position'>;
  readonly publisher: RecordPublisher;
  readonly clock: Clock;
  /** Query ids this service serves: a row of another query is not applied. */
  readonly queryIds: ReadonlySet<string>;
  readonly onChanges: ChangeListener;
  readonly onStep?: (report: ResultStepReport) => void;
}

export class ResultTask implements StreamTask {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly partition: number,
    private committed: bigint,
    private readonly deps: ResultTaskDeps,
  ) {}

  get position(): PartitionPosition {
    return { nextOffset: this.committed, eventTime: NO_EVENT_TIME };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  runBatch(records: readonly InputRecord[], nextOffset: bigint): Promise<boolean> {
    return this.serial(async () => {
      if (this.closed) return false;
      if (nextOffset <= this.committed && records.length === 0) return true;
      const t0 = this.deps.clock.now();
      const rows: WindowResult[] = [];
      const malformed: MalformedRecord[] = [];
      for (const r of records) {
        const d = decodeWindowResult(r.value);
        if (d.kind === 'malformed') malformed.push({ ...r, detail: `window-results: ${d.detail}` });
        else if (d.kind === 'row' && !this.deps.queryIds.has(d.row.query_id)) {
          malformed.push({ ...r, detail: `window-results: query ${d.row.query_id} is not in this service's definitions` });
        } else if (d.kind === 'row') rows.push(d.row);
      }
      if (malformed.length > 0) await this.deps.publisher.malformed(this.partition, malformed);
      const changed: WindowRow[] = await this.deps.store.applyResults({
        partition: this.partition,
        expected: this.committed,
        next: nextOffset,
        rows: coalesceResults(rows),
      });
      this.committed = nextOffset;
      this.deps.onChanges(changed);
      this.deps.onStep?.({
        partition: this.partition,
        records: records.length,
        rows: changed.length,
        finals: changed.filter((r) => r.final).length,
        malformed: malformed.length,
        seconds: (this.deps.clock.now() - t0) / 1000,
      });
      return true;
    });
  }

  /** Nothing runs on the clock: the job closes windows by its own watermark. */
  async tick(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }
}

export async function openResultTask(
  partition: number,
  deps: ResultTaskDeps,
  initialOffset: () => Promise<bigint>,
): Promise<ResultTask> {
  const position = await deps.store.position(partition, initialOffset);
  return new ResultTask(partition, position.nextOffset, deps);
}
