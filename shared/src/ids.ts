/** Identifiers: readings get UUIDv7 (time-ordered, so inserts stay append-mostly in B-tree indexes). */
import { v7 as uuidv7, validate as uuidValidate } from 'uuid';

export function newReadingId(nowMs?: number): string {
  return nowMs === undefined ? uuidv7() : uuidv7({ msecs: nowMs });
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidValidate(value);
}
