/**
 * Entity tags from a row's `row_version` (bumped by a trigger on every update), and `If-Match` preconditions:
 * a write with a stale tag answers 412. Strong comparison, as RFC 9110 requires for If-Match: a weak tag never
 * matches.
 */
import { CloudErrors } from '../errors.js';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The parsed header: `*`, a list of strong versions (weak or foreign tags kept as NaN), or undefined when absent. */
export function parseIfMatch(header: string | undefined): '*' | number[] | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '') return undefined;
  if (trimmed === '*') return '*';
  const tags = trimmed.split(',').map((t) => t.trim());
  return tags.map((t) => {
    const m = /^"(\d{1,10})"$/.exec(t);
    return m ? Number(m[1]) : Number.NaN;
  });
}

/** Throws 412 when `If-Match` is present and does not name the current version. */
export function checkIfMatch(header: string | undefined, current: number, entity: string, id: string): void {
  const parsed = parseIfMatch(header);
  if (parsed === undefined || parsed === '*') return;
  if (!parsed.includes(current)) {
    throw CloudErrors.CLOUD_ERR_PRECONDITION_FAILED(entity, id, header ?? '', etagOf(current));
  }
}
