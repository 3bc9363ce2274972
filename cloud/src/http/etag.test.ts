import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import { checkIfMatch, etagOf, parseIfMatch } from './etag.js';

describe('ETag / If-Match', () => {
  it('quotes the row version', () => {
    expect(etagOf(3)).toBe('"3"');
  });

  it('parses absent, *, lists, and treats weak or foreign tags as never matching', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('  ')).toBeUndefined();
    expect(parseIfMatch('*')).toBe('*');
    expect(parseIfMatch('"3", "4"')).toEqual([3, 4]);
    expect(parseIfMatch('W/"3"')).toEqual([Number.NaN]);
    expect(parseIfMatch('"abc"')).toEqual([Number.NaN]);
  });

  it('passes a current or absent tag and answers 412 for a stale or weak one', () => {
    expect(() => checkIfMatch(undefined, 3, 'patient', 'p1')).not.toThrow();
    expect(() => checkIfMatch('*', 3, 'patient', 'p1')).not.toThrow();
    expect(() => checkIfMatch('"2", "3"', 3, 'patient', 'p1')).not.toThrow();
    for (const stale of ['"2"', 'W/"3"']) {
      try {
        checkIfMatch(stale, 3, 'patient', 'p1');
        expect.fail('expected 412');
      } catch (err) {
        expect(isVitalsError(err, 'CLOUD_ERR_PRECONDITION_FAILED')).toBe(true);
        expect((err as { statusCode: number }).statusCode).toBe(412);
      }
    }
  });
});
