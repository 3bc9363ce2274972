import { describe, expect, it } from 'vitest';
import { PUBLIC, allow, checkRole, validateAccess } from './access.js';

describe('route access declarations', () => {
  it('accept PUBLIC and role lists with a scope', () => {
    expect(validateAccess(PUBLIC, 'GET /healthz')).toBe(PUBLIC);
    expect(validateAccess(allow(['clinician']), 'GET /x')).toEqual({ roles: ['clinician'], scope: 'customer' });
  });

  it('refuse a missing, empty or inconsistent declaration, naming the route', () => {
    expect(() => validateAccess(undefined, 'GET /v1/new')).toThrow(/GET \/v1\/new declares no config.access/);
    expect(() => validateAccess({ roles: [], scope: 'customer' }, 'GET /x')).toThrow(/known roles/);
    expect(() => validateAccess({ roles: ['nobody'], scope: 'customer' }, 'GET /x')).toThrow(/known roles/);
    expect(() => validateAccess({ roles: ['clinician'] }, 'GET /x')).toThrow(/scope/);
    expect(() => validateAccess(allow(['clinician'], 'platform'), 'GET /x')).toThrow(/platform-admin only/);
  });

  it('checkRole answers 403 for a role the route does not list', () => {
    const gw = { kind: 'gateway', id: 'gw', role: 'gateway', customerId: 'c', gatewayId: 'gw' } as const;
    expect(() => checkRole(gw, allow(['clinician']), 'GET /v1/patients')).toThrow(/role gateway may not GET \/v1\/patients/);
    expect(() => checkRole(gw, allow(['gateway']), 'POST /v1/readings')).not.toThrow();
  });
});
