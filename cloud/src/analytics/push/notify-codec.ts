/**
 * Committed window changes as PostgreSQL NOTIFY payloads (at most 8000 bytes each): so a WebSocket client of
 * any instance sees changes committed by every instance. NOTIFY inside the sink's transaction is delivered only
 * if and when the transaction commits, so listeners never see uncommitted data. Pure.
 */
import type { WindowRow } from '../windows/window-row.js';

export const NOTIFY_CHANNEL = 'vitals_analytics_changes';
/** PostgreSQL refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7_600;

export interface ChangeNotice {
  /** Instance that committed the changes (for diagnostics). */
  readonly instance: string;
  /** Consumer group (several deployments may share a database). */
  readonly group: string;
  readonly rows: readonly WindowRow[];
}

type Packed = [
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number | null,
  number,
  0 | 1,
];

function pack(r: WindowRow): Packed {
  return [
    r.queryId,
    r.customerId,
    r.groupKind,
    r.groupId,
    r.departmentId,
    r.bedId,
    r.metric,
    r.windowStart,
    r.windowEnd,
    r.count,
    r.sum,
    r.min,
    r.max,
    r.last,
    r.lastMeasuredAt,
    r.lastNews2,
    r.revision,
    r.final ? 1 : 0,
  ];
}

function unpack(p: Packed): WindowRow {
  return {
    queryId: p[0],
    customerId: p[1],
    groupKind: p[2] as WindowRow['groupKind'],
    groupId: p[3],
    departmentId: p[4],
    bedId: p[5],
    metric: p[6],
    windowStart: p[7],
    windowEnd: p[8],
    count: p[9],
    sum: p[10],
    min: p[11],
    max: p[12],
    last: p[13],
    lastMeasuredAt: p[14],
    lastNews2: p[15],
    revision: p[16],
    final: p[17] === 1,
  };
}

/** Payloads carrying `rows`, each under the NOTIFY limit. */
export function encodeNotices(instance: string, group: string, rows: readonly WindowRow[]): string[] {
  const head = JSON.stringify({ v: 1, i: instance, g: group, r: [] }).length;
  const out: string[] = [];
  let batch: string[] = [];
  let size = head;
  for (const r of rows) {
    const packed = JSON.stringify(pack(r));
    if (batch.length > 0 && size + packed.length + 1 > MAX_PAYLOAD) {
      out.push(`{"v":1,"i":${JSON.stringify(instance)},"g":${JSON.stringify(group)},"r":[${batch.join(',')}]}`);
      batch = [];
      size = head;
    }
    batch.push(packed);
    size += packed.length + 1;
  }
  if (batch.length > 0) out.push(`{"v":1,"i":${JSON.stringify(instance)},"g":${JSON.stringify(group)},"r":[${batch.join(',')}]}`);
  return out;
}

/** A payload back into a notice; undefined for anything that is not one of ours. */
export function decodeNotice(payload: string): ChangeNotice | undefined {
  try {
    const m = JSON.parse(payload) as { v?: unknown; i?: unknown; g?: unknown; r?: unknown };
    if (m.v !== 1 || typeof m.i !== 'string' || typeof m.g !== 'string' || !Array.isArray(m.r)) return undefined;
    return { instance: m.i, group: m.g, rows: (m.r as Packed[]).map(unpack) };
  } catch {
    return undefined;
  }
}
