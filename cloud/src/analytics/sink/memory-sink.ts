/**
 * The window sink in memory: the same contract as the PostgreSQL sink (compare-and-set on the stored position,
 * merge, close), for unit tests of the partition logic with a fake clock.
 */
import { WindowTable } from '../engine/window-table.js';
import { AnalyticsErrors } from '../errors.js';
import type { WindowQuery } from '../queries/compile.js';
import type { WindowRow } from '../windows/window-row.js';
import type { CommitRequest, PartitionPosition, WindowSink } from './ports.js';

function same(a: PartitionPosition, b: PartitionPosition): boolean {
  return (
    a.nextOffset === b.nextOffset &&
    a.eventTime.watermark === b.eventTime.watermark &&
    a.eventTime.maxEventTime === b.eventTime.maxEventTime
  );
}

export class MemoryWindowSink implements WindowSink {
  readonly table = new WindowTable();
  readonly positions = new Map<number, PartitionPosition>();
  commits = 0;

  constructor(
    private readonly queries: readonly WindowQuery[],
    private readonly partitionCount: number,
  ) {}

  async position(partition: number, initial: () => Promise<bigint>): Promise<PartitionPosition> {
    let p = this.positions.get(partition);
    if (!p) {
      p = { nextOffset: await initial(), eventTime: { watermark: null, maxEventTime: null } };
      this.positions.set(partition, p);
    }
    return p;
  }

  async commit(req: CommitRequest): Promise<WindowRow[]> {
    const stored = this.positions.get(req.partition);
    if (!stored || !same(stored, req.expected)) {
      throw AnalyticsErrors.ANALYTICS_ERR_PARTITION_FENCED(
        req.partition,
        String(stored?.nextOffset),
        String(req.expected.nextOffset),
      );
    }
    const changed = this.table.apply(req.deltas);
    const closed = this.table.closePartition(this.queries, req.partition, req.next.eventTime.watermark);
    this.positions.set(req.partition, req.next);
    this.commits++;
    return coalesce([...changed, ...closed]);
  }

  async closeDepartments(): Promise<WindowRow[]> {
    const marks = Array.from({ length: this.partitionCount }, (_, p) => this.positions.get(p)?.eventTime.watermark ?? null);
    return this.table.closeDepartments(this.queries, marks);
  }

  async purge(): Promise<number> {
    return 0;
  }
}

/** One row per window: the last state of each (a window changed and closed in one commit is sent once, final). */
export function coalesce(rows: readonly WindowRow[]): WindowRow[] {
  const byKey = new Map<string, WindowRow>();
  for (const r of rows) byKey.set(`${r.queryId}\u0000${r.groupId}\u0000${r.metric}\u0000${r.windowStart}`, r);
  return [...byKey.values()];
}
