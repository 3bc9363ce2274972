import { describe, expect, it } from 'vitest';
import { ConfigError, parse, readConfig } from './env-config.js';
import { defineErrors, isVitalsError } from './errors.js';

const spec = {
  port: { env: 'X_PORT', default: '8080', doc: 'port', parse: parse.port },
  url: { env: 'X_URL', doc: 'url', parse: parse.url },
  size: { env: 'X_SIZE', default: '2GiB', doc: 'size', parse: parse.bytes },
  linger: { env: 'X_LINGER', default: '250ms', doc: 'linger', parse: parse.duration },
  token: { env: 'X_TOKEN', default: 'secret', doc: 'token', parse: parse.nonEmpty, secret: true },
};

describe('readConfig', () => {
  it('parses defaults and environment values into a frozen object', () => {
    const c = readConfig(spec, { X_URL: 'http://a.example/', X_PORT: '0' });
    expect(c).toEqual({ port: 0, url: 'http://a.example', size: 2 * 1024 ** 3, linger: 250, token: 'secret' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every problem at once and never prints a secret', () => {
    let err: unknown;
    try {
      readConfig(spec, { X_PORT: '99999', X_SIZE: 'lots', X_LINGER: '5 fortnights', X_TOKEN: ' ' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/X_URL is required/);
    expect(problems.join('\n')).toMatch(/X_TOKEN=<hidden>/);
  });

  it('parses durations and sizes in their common spellings', () => {
    expect(parse.duration('30s')).toBe(30_000);
    expect(parse.duration('7d')).toBe(7 * 86_400_000);
    expect(parse.duration('1500')).toBe(1500);
    expect(parse.bytes('512MB')).toBe(512 * 1024 ** 2);
    expect(parse.bytes('1000')).toBe(1000);
    expect(parse.list(' a, b ,,c')).toEqual(['a', 'b', 'c']);
  });
});

describe('defineErrors', () => {
  const E = defineErrors({
    X_ERR_FULL: { message: 'buffer %s is full (%s bytes)', status: 507, retriable: true },
  });
  it('builds coded errors with status, retriable flag, formatted message and cause', () => {
    const cause = new Error('disk');
    const e = E.X_ERR_FULL.withCause(cause, 'main', 10);
    expect(isVitalsError(e, 'X_ERR_FULL')).toBe(true);
    expect(e).toMatchObject({
      code: 'X_ERR_FULL',
      statusCode: 507,
      retriable: true,
      message: 'buffer main is full (10 bytes)',
      cause,
    });
    expect(E.X_ERR_FULL.code).toBe('X_ERR_FULL');
  });
});
