import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerToken, generateToken, hashToken, looksLikeJwt, tokenHint } from './tokens.js';

describe('tokens', () => {
  it('are prefixed, random, and hashed as lower-case hex SHA-256 of the whole token', () => {
    const t = generateToken('gateway');
    expect(t).toMatch(/^vgw_[A-Za-z0-9_-]{43}$/);
    expect(generateToken('gateway')).not.toBe(t);
    expect(hashToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateToken('apiKey')).toMatch(/^vk_/);
  });

  it('hints show the prefix and a few characters only', () => {
    const t = generateToken('apiKey');
    expect(tokenHint(t)).toBe(`${t.slice(0, 9)}…`);
  });

  it('recognises bearer headers and JWT shapes', () => {
    expect(bearerToken('Bearer vk_abcdefghijklmnop')).toBe('vk_abcdefghijklmnop');
    expect(bearerToken('bearer   vk_abcdefghijklmnop  ')).toBe('vk_abcdefghijklmnop');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer short')).toBeUndefined();
    expect(looksLikeJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(looksLikeJwt('vk_abc.def.ghi')).toBe(false);
  });
});
