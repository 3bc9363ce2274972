/**
 * What a batch answer means for each reading: accepted and duplicate are forwarded (the cloud has it);
 * rejected goes to the dead-letter table and is not retried; a reading the answer does not mention stays
 * unsent and is sent again (the cloud deduplicates by reading id). Pure.
 */
import type { ReadingsBatchResponse } from '@vitals/shared';
import type { DeadLetterInput, StoredReading } from '../buffer/reading-store.js';

export interface BatchOutcome {
  readonly forwarded: number[];
  readonly accepted: number;
  readonly duplicate: number;
  readonly dead: DeadLetterInput[];
  /** Readings the answer did not mention. */
  readonly missing: StoredReading[];
}

export function classifyOutcomes(batch: readonly StoredReading[], response: ReadingsBatchResponse): BatchOutcome {
  const byId = new Map(response.results.map((r) => [r.readingId, r]));
  const out: BatchOutcome = { forwarded: [], accepted: 0, duplicate: 0, dead: [], missing: [] };
  let accepted = 0;
  let duplicate = 0;
  for (const reading of batch) {
    const r = byId.get(reading.readingId);
    if (!r) out.missing.push(reading);
    else if (r.status === 'rejected') out.dead.push({ reading, reason: r.reason ?? 'REJECTED', detail: r.detail });
    else {
      out.forwarded.push(reading.seq);
      if (r.status === 'accepted') accepted++;
      else duplicate++;
    }
  }
  return { ...out, accepted, duplicate };
}
