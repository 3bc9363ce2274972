import { describe, expect, it } from 'vitest';
import { decodeAck } from './ack-codec.js';

const decode = (v: unknown) => decodeAck(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

describe('decodeAck', () => {
  it('takes a valid acknowledgement, up to the largest safe integer version', () => {
    expect(decode({ version: 3, status: 'applied', appliedVersion: 3 })).toEqual({
      ok: true,
      ack: { version: 3, status: 'applied', appliedVersion: 3 },
    });
    expect(decode({ version: Number.MAX_SAFE_INTEGER, status: 'rejected', reason: 'no' }).ok).toBe(true);
  });

  it('refuses versions a PostgreSQL bigint cannot hold or a number cannot represent exactly (the fuzz suite found them never PUBACKed)', () => {
    for (const raw of [
      '{"version":9223372036854775808,"status":"applied"}',
      '{"version":1e308,"status":"applied"}',
      '{"version":9007199254740992,"status":"applied"}',
      '{"version":1,"status":"applied","appliedVersion":1e308}',
    ]) {
      const d = decode(raw);
      expect(d.ok, raw).toBe(false);
      expect(!d.ok && d.problem, raw).toMatch(/version: Expected integer to be less or equal to 9007199254740991/i);
    }
  });

  it('refuses a reason with a NUL character (PostgreSQL text cannot hold it)', () => {
    const d = decode({ version: 1, status: 'rejected', reason: 'bad\u0000rule' });
    expect(d.ok).toBe(false);
    expect(!d.ok && d.problem).toMatch(/reason/);
  });

  it('refuses payloads over 4 KiB, non-JSON and extra properties', () => {
    expect(decode({ version: 1, status: 'applied', reason: 'x'.repeat(5000) })).toEqual({
      ok: false,
      problem: 'larger than 4096 bytes',
    });
    expect(decode('{"version":')).toEqual({ ok: false, problem: 'not JSON' });
    expect(decode({ version: 1, status: 'applied', extra: 1 }).ok).toBe(false);
  });
});
