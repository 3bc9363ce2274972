import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vitals/shared';
import { loadStorageConfig } from './config.js';

describe('storage config', () => {
  it('has working defaults and parses sizes and durations', () => {
    const c = loadStorageConfig({ STORAGE_INGEST_BODY_LIMIT: '1MiB', CLOUD_BREAKER_HALF_OPEN_AFTER: '2s' });
    expect(c.port).toBe(8080);
    expect(c.readingsTopic).toBe('raw-readings');
    expect(c.ingestBodyLimit).toBe(1024 * 1024);
    expect(c.breakerHalfOpenAfterMs).toBe(2_000);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('fails fast listing every problem, including settings that only work together', () => {
    try {
      loadStorageConfig({ STORAGE_PORT: 'http', CLOUD_TLS_CERT_FILE: '/x.pem', CLOUD_JWT_SECRET: 'short' });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toMatch(/STORAGE_PORT/);
    }
    expect(() => loadStorageConfig({ CLOUD_TLS_CERT_FILE: '/x.pem' })).toThrow(/must be set together/);
    expect(() => loadStorageConfig({ CLOUD_JWT_SECRET: 'short' })).toThrow(/at least 32/);
  });
});
