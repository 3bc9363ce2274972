import { describe, expect, it } from 'vitest';
import { mapPgError } from './pg-error-map.js';

/** An error as node-postgres raises it for a server answer. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

describe('mapPgError', () => {
  it('answers a NUL in a text parameter or a jsonb value as a 400, not a 500', () => {
    for (const [code, message] of [
      ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
      ['22P05', 'unsupported Unicode escape sequence'],
    ] as const) {
      const e = mapPgError(pgError(code, message));
      expect(e?.code).toBe('CLOUD_ERR_VALIDATION');
      expect(e?.statusCode).toBe(400);
      expect(e?.message).toMatch(/NUL/);
    }
  });

  it('leaves errors it does not know to the caller', () => {
    expect(mapPgError(pgError('42P01', 'relation "x" does not exist'))).toBeUndefined();
  });
});
