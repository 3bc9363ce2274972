/**
 * What the partition tasks need from the outside world, as ports: the window sink (PostgreSQL in production,
 * memory in unit tests), the publisher of late and malformed records (Kafka), and the receiver of committed
 * changes (the WebSocket hub).
 */
import type { EventTimeState } from '../engine/watermark.js';
import type { LateReading, MalformedRecord, WindowDelta } from '../engine/partition-engine.js';
import type { WindowRow } from '../windows/window-row.js';

/** Where a partition stands: the next input offset to read and its event time; stored with the windows. */
export interface PartitionPosition {
  readonly nextOffset: bigint;
  readonly eventTime: EventTimeState;
}

export interface CommitRequest {
  readonly partition: number;
  /** The position this commit starts from: the sink refuses the commit when its stored position differs. */
  readonly expected: PartitionPosition;
  readonly next: PartitionPosition;
  /** In write order (patient windows, then department windows, each by key). */
  readonly deltas: readonly WindowDelta[];
}

export interface WindowSink {
  /** The stored position of a partition; stores `initial` first when there is none. */
  position(partition: number, initial: () => Promise<bigint>): Promise<PartitionPosition>;
  /**
   * In one transaction: checks the stored position, merges the deltas, closes the partition's patient windows
   * the new watermark reached, stores the new position. Returns the changed rows (after the commit). Throws
   * `ANALYTICS_ERR_PARTITION_FENCED` when the stored position is not `expected`.
   */
  commit(req: CommitRequest): Promise<WindowRow[]>;
  /** Closes department windows every partition's stored watermark passed; returns them (after the commit). */
  closeDepartments(): Promise<WindowRow[]>;
  /** Deletes rows past their query's retention; returns how many. */
  purge(now: number): Promise<number>;
}

export interface RecordPublisher {
  /** Resolves once the records are acknowledged (at least once: a retried batch publishes them again). */
  late(partition: number, records: readonly LateReading[]): Promise<void>;
  malformed(partition: number, records: readonly MalformedRecord[]): Promise<void>;
}

/** Receives committed changes, in commit order per window. */
export type ChangeListener = (rows: readonly WindowRow[]) => void;
