import { describe, expect, it } from 'vitest';
import { isPgUnavailable, pgReferencedTable } from './pg-errors.js';

const pgError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('x'), { code, ...extra });

describe('PostgreSQL error classification', () => {
  it('network failures, shutdowns, overload and timeouts mean unavailable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '08006', '57P01', '57P03', '53300', '57014']) {
      expect(isPgUnavailable(pgError(code)), code).toBe(true);
    }
    expect(isPgUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPgUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('answers about data are not unavailability', () => {
    for (const code of ['23505', '23503', '23P01', '22P02']) expect(isPgUnavailable(pgError(code)), code).toBe(false);
    expect(isPgUnavailable(new Error('something else'))).toBe(false);
    expect(isPgUnavailable('not an error')).toBe(false);
  });

  it('reads the referenced table of a foreign-key violation', () => {
    const e = pgError('23503', { detail: 'Key (customer_id, department_id)=(a, b) is not present in table "departments".' });
    expect(pgReferencedTable(e)).toBe('departments');
  });
});
