/** A window's committed state as the REST API, the WebSocket and NOTIFY carry it. */
import type { GroupKind } from '../queries/schema.js';

export interface WindowRow {
  readonly queryId: string;
  readonly customerId: string;
  readonly groupKind: GroupKind;
  /** Patient id or department id. */
  readonly groupId: string;
  /** Patient windows: department of the last reading; department windows: the department. */
  readonly departmentId: string | null;
  readonly bedId: string | null;
  readonly metric: string;
  /** ms since the epoch. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly last: number;
  readonly lastMeasuredAt: number;
  readonly lastNews2: number | null;
  readonly revision: number;
  readonly final: boolean;
}
