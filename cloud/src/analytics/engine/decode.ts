/** Input records (enriched readings as JSON) into the facts the windows need; anything else is malformed. */
import { EnrichedReadingSchema, createValidator, type EnrichedReading } from '@vitals/shared';

const validator = createValidator(EnrichedReadingSchema);

export type Decoded =
  { readonly ok: true; readonly reading: EnrichedReading; readonly at: number } | { readonly ok: false; readonly detail: string };

export function decodeEnriched(value: string | null): Decoded {
  if (value === null) return { ok: false, detail: 'record without a value (tombstone)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message}` };
  }
  if (!validator.check(parsed))
    return { ok: false, detail: `not an EnrichedReading: ${validator.problems(parsed, 3).join('; ')}` };
  const at = Date.parse(parsed.reading.measuredAt);
  if (!Number.isFinite(at)) return { ok: false, detail: 'measuredAt is not a time' };
  return { ok: true, reading: parsed, at };
}
