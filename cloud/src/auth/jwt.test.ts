import { describe, expect, it } from 'vitest';
import { isVitalsError, type Clock } from '@vitals/shared';
import { createJwtVerifier, signJwt } from './jwt.js';

function fixedClock(ms: number): Clock {
  return {
    now: () => ms,
    setTimeout: () => undefined as never,
    clearTimeout: () => undefined,
    setInterval: () => undefined as never,
    clearInterval: () => undefined,
  };
}

const T0 = Date.parse('2025-03-01T12:00:00Z');
const settings = { secret: 'x'.repeat(32), issuer: 'vitals', audience: 'vitals-cloud', clock: fixedClock(T0) };
const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isVitalsError(err) ? `${err.code}: ${err.message}` : String(err);
  }
  return 'no error';
}

describe('JWT', () => {
  it('round-trips role, customer and subject', async () => {
    const token = await signJwt(settings, { sub: 'nurse-1', role: 'clinician', customer: A });
    await expect(createJwtVerifier(settings)(token)).resolves.toEqual({
      kind: 'jwt',
      id: 'nurse-1',
      role: 'clinician',
      customerId: A,
      gatewayId: null,
    });
  });

  it('carries SMART scopes and the patient in context when the token has them', async () => {
    const P = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    const token = await signJwt(settings, {
      sub: 'ehr',
      role: 'clinician',
      customer: A,
      scope: 'patient/Observation.read  patient/Patient.read',
      patient: P,
    });
    await expect(createJwtVerifier(settings)(token)).resolves.toMatchObject({
      scopes: ['patient/Observation.read', 'patient/Patient.read'],
      patientId: P,
    });
    const bad = await signJwt(settings, { sub: 'ehr', role: 'clinician', customer: A, patient: 'not-a-uuid' });
    expect(await failure(createJwtVerifier(settings)(bad))).toMatch(/patient claim is not a UUID/);
  });

  it('refuses an expired token, judged by the injected clock', async () => {
    const token = await signJwt(settings, { sub: 'nurse-1', role: 'clinician', customer: A }, 60);
    const later = createJwtVerifier({ ...settings, clock: fixedClock(T0 + 120_000) });
    expect(await failure(later(token))).toMatch(/CLOUD_ERR_UNAUTHENTICATED.*ERR_JWT_EXPIRED/);
  });

  it('refuses another secret, issuer or audience, and a tenant role without a customer', async () => {
    const verify = createJwtVerifier(settings);
    const other = await signJwt({ ...settings, secret: 'y'.repeat(32) }, { sub: 'x', role: 'clinician', customer: A });
    expect(await failure(verify(other))).toMatch(/CLOUD_ERR_UNAUTHENTICATED/);
    const aud = await signJwt({ ...settings, audience: 'elsewhere' }, { sub: 'x', role: 'clinician', customer: A });
    expect(await failure(verify(aud))).toMatch(/CLOUD_ERR_UNAUTHENTICATED/);
    const noCustomer = await signJwt(settings, { sub: 'x', role: 'customer-admin' });
    expect(await failure(verify(noCustomer))).toMatch(/must name its customer/);
  });
});
