/**
 * Ingest, last step (pure): the database's answer turned into one outcome per reading, in request order, and
 * the list of readings to produce to Kafka. Inserted now: `accepted`. Already stored with the same content:
 * `duplicate` — and produced again, because the earlier attempt may have failed after the commit but before
 * Kafka acknowledged (consumers drop repeats by id). Stored under the same id with different content (another
 * value, device, metric or measured-at), or for another customer: rejected `CONFLICTING_DUPLICATE`, never
 * produced.
 */
import type { Reading, ReadingOutcome, ReadingsBatchResponse } from '@vitals/shared';
import type { PlannedEntry } from './plan.js';

export interface StoredReading {
  readonly readingId: string;
  readonly customerId: string;
  readonly deviceId: string;
  readonly metric: string;
  readonly value: number;
  readonly measuredAt: string;
}

export interface Settled {
  readonly outcomes: ReadingOutcome[];
  readonly publish: Reading[];
}

export class InconsistentStoreError extends Error {
  constructor(readingId: string) {
    super(`reading ${readingId} was neither inserted nor found; retry the batch`);
    this.name = 'InconsistentStoreError';
  }
}

function matches(r: Reading, s: StoredReading, customerId: string): boolean {
  return (
    s.customerId === customerId &&
    s.deviceId === r.deviceId &&
    s.metric === r.metric &&
    s.value === r.value &&
    s.measuredAt === r.measuredAt
  );
}

export function settle(
  entries: readonly PlannedEntry[],
  inserted: ReadonlySet<string>,
  stored: ReadonlyMap<string, StoredReading>,
  customerId: string,
): Settled {
  const outcomes: ReadingOutcome[] = [];
  const publish: Reading[] = [];
  for (const e of entries) {
    if (e.rejection) {
      outcomes.push({ readingId: e.readingId, status: 'rejected', reason: e.rejection.reason, detail: e.rejection.detail });
      continue;
    }
    if (e.repeatOf !== undefined) {
      const first = outcomes[e.repeatOf]!;
      outcomes.push(
        first.status === 'rejected' ? { ...first, readingId: e.readingId } : { readingId: e.readingId, status: 'duplicate' },
      );
      continue;
    }
    const r = e.reading!;
    if (inserted.has(r.readingId)) {
      outcomes.push({ readingId: e.readingId, status: 'accepted' });
      publish.push(r);
      continue;
    }
    const s = stored.get(r.readingId);
    if (!s) throw new InconsistentStoreError(r.readingId);
    if (matches(r, s, customerId)) {
      outcomes.push({ readingId: e.readingId, status: 'duplicate' });
      publish.push(r);
    } else {
      outcomes.push({
        readingId: e.readingId,
        status: 'rejected',
        reason: 'CONFLICTING_DUPLICATE',
        detail:
          s.customerId === customerId && s.measuredAt !== r.measuredAt
            ? `a reading measured at ${s.measuredAt} is already stored under this readingId`
            : 'a different reading is already stored under this readingId',
      });
    }
  }
  return { outcomes, publish };
}

export function buildResponse(outcomes: readonly ReadingOutcome[]): ReadingsBatchResponse {
  let accepted = 0;
  let duplicate = 0;
  let rejected = 0;
  for (const o of outcomes) {
    if (o.status === 'accepted') accepted++;
    else if (o.status === 'duplicate') duplicate++;
    else rejected++;
  }
  return { accepted, duplicate, rejected, results: [...outcomes] };
}
