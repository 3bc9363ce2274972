/**
 * How a window row is shown: the columns of a query (its declared aggregates; `last` brings its measured-at
 * time), as an object for REST and as an array under a header of column names for the WebSocket.
 */
import type { WindowQuery } from '../queries/compile.js';
import type { WindowRow } from './window-row.js';

export type Cell = string | number | boolean | null;

const BASE = ['groupId', 'metric', 'windowStart', 'windowEnd'] as const;

export function columnsOf(q: WindowQuery): string[] {
  const aggregates = q.aggregates.flatMap((a) => (a === 'last' ? ['last', 'lastMeasuredAt'] : [a]));
  return [...BASE, ...aggregates, 'revision', 'final'];
}

function cell(column: string, r: WindowRow): Cell {
  switch (column) {
    case 'groupId':
      return r.groupId;
    case 'metric':
      return r.metric;
    case 'windowStart':
      return new Date(r.windowStart).toISOString();
    case 'windowEnd':
      return new Date(r.windowEnd).toISOString();
    case 'count':
      return r.count;
    case 'sum':
      return r.sum;
    case 'avg':
      return r.count === 0 ? null : Math.round((r.sum / r.count) * 1000) / 1000;
    case 'min':
      return r.min;
    case 'max':
      return r.max;
    case 'last':
      return r.last;
    case 'lastMeasuredAt':
      return new Date(r.lastMeasuredAt).toISOString();
    case 'revision':
      return r.revision;
    case 'final':
      return r.final;
    default:
      return null;
  }
}

export function rowCells(columns: readonly string[], r: WindowRow): Cell[] {
  return columns.map((c) => cell(c, r));
}

export function rowObject(q: WindowQuery, r: WindowRow): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const c of columnsOf(q)) if (c !== 'groupId') out[c] = cell(c, r);
  return out;
}
