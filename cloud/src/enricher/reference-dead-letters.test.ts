import { describe, expect, it } from 'vitest';
import { createValidator, DEAD_LETTER_ORIGINAL_MAX, DeadLetterSchema } from '@vitals/shared';
import { referenceDeadLetter } from './reference-dead-letters.js';

const source = { topic: 'db-changes.public.devices', partition: 0, offset: '42' };

describe('referenceDeadLetter', () => {
  it('keys the letter by its source offset and carries the reason, the problem and the original', () => {
    const l = referenceDeadLetter(source, Buffer.from('{"after":{"id":{}}}'), 'devices row: id must be a string', 0);
    expect(l.key).toBe('db-changes.public.devices/0/42');
    const letter: unknown = JSON.parse(l.value);
    expect(createValidator(DeadLetterSchema).problems(letter)).toEqual([]);
    expect(letter).toEqual({
      reason: 'REFERENCE_CHANGE_REFUSED',
      detail: 'devices row: id must be a string',
      source,
      original: '{"after":{"id":{}}}',
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('keeps a tombstone as a null original and cuts a long one, saying how long it was', () => {
    expect(JSON.parse(referenceDeadLetter(source, null, 'tombstone without a key', 0).value)).toMatchObject({ original: null });
    const long = Buffer.alloc(DEAD_LETTER_ORIGINAL_MAX + 10, 0x61);
    const cut = JSON.parse(referenceDeadLetter(source, long, 'not JSON', 0).value) as { original: string; originalBytes: number };
    expect(cut.original).toHaveLength(DEAD_LETTER_ORIGINAL_MAX);
    expect(cut.originalBytes).toBe(DEAD_LETTER_ORIGINAL_MAX + 10);
  });
});
