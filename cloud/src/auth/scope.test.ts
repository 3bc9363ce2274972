import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import type { Principal } from './roles.js';
import { customerForWrite, inScope, narrowScope, scopeCondition, scopeOf } from './scope.js';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const admin: Principal = { kind: 'api-key', id: 'k1', role: 'platform-admin', customerId: null, gatewayId: null };
const clinicianA: Principal = { kind: 'jwt', id: 'u1', role: 'clinician', customerId: A, gatewayId: null };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isVitalsError(err) ? err.code : 'other';
  }
  return undefined;
}

describe('customer scope', () => {
  it('a platform admin sees every customer; anyone else only its own', () => {
    expect(scopeOf(admin)).toEqual({ all: true });
    expect(inScope(scopeOf(clinicianA), A)).toBe(true);
    expect(inScope(scopeOf(clinicianA), B)).toBe(false);
  });

  it('asking for another customer is 404, never 403', () => {
    expect(code(() => narrowScope(scopeOf(clinicianA), B))).toBe('CLOUD_ERR_NOT_FOUND');
    expect(narrowScope(scopeOf(admin), B)).toEqual({ all: false, customerId: B });
    expect(narrowScope(scopeOf(clinicianA), undefined)).toEqual({ all: false, customerId: A });
  });

  it('new rows belong to the caller customer; a platform admin must name one', () => {
    expect(customerForWrite(scopeOf(clinicianA), undefined)).toBe(A);
    expect(code(() => customerForWrite(scopeOf(clinicianA), B))).toBe('CLOUD_ERR_NOT_FOUND');
    expect(code(() => customerForWrite(scopeOf(admin), undefined))).toBe('CLOUD_ERR_VALIDATION');
    expect(customerForWrite(scopeOf(admin), B)).toBe(B);
  });

  it('builds a parameterised condition, TRUE for all customers', () => {
    const params: unknown[] = ['x'];
    expect(scopeCondition(scopeOf(clinicianA), 'customer_id', params)).toBe('customer_id = $2');
    expect(params).toEqual(['x', A]);
    expect(scopeCondition(scopeOf(admin), 'customer_id', params)).toBe('TRUE');
  });

  it('refuses a tenant principal without a customer', () => {
    expect(() => scopeOf({ ...clinicianA, customerId: null })).toThrow(/has no customer/);
  });
});
