/**
 * The opaque `_cursor` of a `next` link: the sort key of the last entry of the page (measured-at with the
 * database's microseconds, and the id), so the next page starts right after it (keyset paging: each page is an
 * index range scan, however deep, and entries written meanwhile neither shift nor repeat the pages).
 */
import { isUuid } from '@vitals/shared';
import { CloudErrors } from '../../errors.js';

export interface Cursor {
  /** ISO-8601 UTC with up to microseconds; empty for keys without a time (patients). */
  readonly at: string;
  readonly id: string;
}

const AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): Cursor {
  const bad = () => CloudErrors.CLOUD_ERR_FHIR_INVALID_PARAMETER('_cursor', 'not a page cursor of this server');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id)) throw bad();
  if (at !== '' && !AT_RE.test(at)) throw bad();
  return { at, id };
}
