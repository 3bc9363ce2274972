/**
 * Committed window rows for the REST API (plain reads: only committed data exists to read), and the customer a
 * patient or department belongs to (tenant checks for REST and WebSocket). Every query of window rows also
 * filters by the caller's customer.
 */
import type pg from 'pg';
import { scopeCondition, type CustomerScope } from '../../auth/scope.js';
import type { WindowQuery } from '../queries/compile.js';
import type { GroupKind } from '../queries/schema.js';
import { ROW_COLUMNS as COLUMNS, windowRowOf } from '../sink/window-sql.js';
import type { WindowRow } from '../windows/window-row.js';

const iso = (ms: number) => new Date(ms).toISOString();

export interface WindowRange {
  readonly query: WindowQuery;
  readonly groupKind: GroupKind;
  readonly groupId: string;
  readonly metric: string;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
}

export class WindowReader {
  constructor(private readonly db: pg.Pool) {}

  /** The customer of a patient or department, or undefined when there is none such. */
  async customerOf(kind: GroupKind, id: string): Promise<string | undefined> {
    const table = kind === 'patient' ? 'patients' : 'departments';
    const { rows } = await this.db.query<{ customer_id: string }>(
      `SELECT customer_id::text AS customer_id FROM ${table} WHERE id = $1`,
      [id],
    );
    return rows[0]?.customer_id;
  }

  /** Windows starting in [from, to), oldest first. A `final` query shows closed windows only. */
  async range(scope: CustomerScope, r: WindowRange): Promise<WindowRow[]> {
    const params: unknown[] = [r.query.id, r.groupId, r.metric, iso(r.from), iso(r.to), r.limit];
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM window_aggregates
       WHERE query_id = $1 AND group_id = $2 AND metric = $3 AND window_start >= $4 AND window_start < $5
         AND group_kind = '${r.groupKind}' ${r.query.emit === 'final' ? 'AND is_final' : ''}
         AND ${scopeCondition(scope, 'customer_id', params)}
       ORDER BY window_start LIMIT $6`,
      params,
    );
    return rows.map(windowRowOf);
  }

  /** The newest window of every metric of one group. */
  async latest(scope: CustomerScope, query: WindowQuery, groupId: string): Promise<WindowRow[]> {
    const params: unknown[] = [query.id, groupId];
    const { rows } = await this.db.query(
      `SELECT DISTINCT ON (metric) ${COLUMNS} FROM window_aggregates
       WHERE query_id = $1 AND group_id = $2 ${query.emit === 'final' ? 'AND is_final' : ''}
         AND ${scopeCondition(scope, 'customer_id', params)}
       ORDER BY metric, window_start DESC`,
      params,
    );
    return rows.map(windowRowOf);
  }

  /**
   * The newest window of every metric of each patient seen in a department since `since` (patient query):
   * the rows the overview is made of. Patients whose latest reading was in another department are left out
   * by the caller.
   */
  async departmentLatest(scope: CustomerScope, query: WindowQuery, departmentId: string, since: number): Promise<WindowRow[]> {
    const params: unknown[] = [query.id, departmentId, iso(since - query.window.sizeMs)];
    const { rows } = await this.db.query(
      `WITH seen AS (
         SELECT DISTINCT group_id FROM window_aggregates
         WHERE department_id = $2 AND query_id = $1 AND window_start >= $3 AND group_kind = 'patient'
           AND ${scopeCondition(scope, 'customer_id', params)}
       )
       SELECT DISTINCT ON (group_id, metric) ${COLUMNS}
       FROM window_aggregates w JOIN seen USING (group_id)
       WHERE w.query_id = $1 AND w.window_start >= $3 ${query.emit === 'final' ? 'AND w.is_final' : ''}
       ORDER BY group_id, metric, w.window_start DESC`,
      params,
    );
    return rows.map(windowRowOf);
  }
}
