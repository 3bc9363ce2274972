import { describe, expect, it } from 'vitest';
import { ConfigError, isVitalsError } from '@vitals/shared';
import { loadSimConfig } from './config.js';
import { buildFleet, parseHostPort } from './fleet.js';
import { parseFault } from './faults.js';

describe('simulator settings', () => {
  it('has working defaults: one MQTT monitor on the gateway broker, no control API', () => {
    const c = loadSimConfig({});
    expect(c).toMatchObject({
      devices: 1,
      transports: ['mqtt'],
      mqttUrl: 'mqtt://127.0.0.1:1884',
      mllp: { host: '127.0.0.1', port: 2575 },
      rate: 1,
      scenario: 'stable',
      deterioration: 30 * 60_000,
      duration: 0,
    });
    expect(c.port).toBeUndefined();
    expect(c.maxInflight).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes SIM_* variables, and command-line flags over them', () => {
    const c = loadSimConfig(
      { SIM_DEVICES: '5', SIM_TRANSPORT: 'mqtt,serial', SIM_RATE: '2.5', SIM_PORT: '0' },
      { devices: '7', serialPaths: '/tmp/a,/tmp/b', duration: '90s' },
    );
    expect(c).toMatchObject({ devices: 7, transports: ['mqtt', 'serial'], rate: 2.5, port: 0, duration: 90_000 });
    expect(c.serialPaths).toEqual(['/tmp/a', '/tmp/b']);
  });

  it('lists every problem at once, naming the flag or the variable', () => {
    try {
      loadSimConfig({ SIM_SCENARIO: 'coma', SIM_TRANSPORT: 'pigeon' }, { rate: 'fast' }, { rate: '--rate' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/--rate "fast"/);
      expect(problems).toMatch(/SIM_SCENARIO/);
      expect(problems).toMatch(/SIM_TRANSPORT/);
    }
  });
});

describe('fleet', () => {
  it('hands out transports round-robin with one serial port per serial device and per-device passwords', () => {
    const fleet = buildFleet({
      count: 4,
      prefix: 'W3-',
      transports: ['mqtt', 'serial'],
      mqttUrl: 'mqtt://h:1',
      mqttPassword: 'pw-{deviceId}',
      serialPaths: ['/dev/a', '/dev/b'],
      scenario: 'mixed',
    });
    expect(fleet.map((d) => [d.id, d.transport.kind, d.scenario?.kind])).toEqual([
      ['W3-001', 'mqtt', 'stable'],
      ['W3-002', 'serial', 'sepsis'],
      ['W3-003', 'mqtt', 'stable'],
      ['W3-004', 'serial', 'stable'],
    ]);
    expect(fleet[0]!.transport).toMatchObject({ password: 'pw-W3-001' });
    expect(fleet[3]!.transport).toMatchObject({ path: '/dev/b' });
  });

  it('refuses a serial device without a port, and a bad host:port', () => {
    expect(() => buildFleet({ count: 1, transports: ['serial'] })).toThrow(/no serial port/);
    expect(parseHostPort('[::1]:2575')).toEqual({ host: '::1', port: 2575 });
    expect(() => parseHostPort('localhost')).toThrow();
  });
});

describe('fault requests', () => {
  it('accepts each fault type and rejects bad ones with SIM_ERR_INVALID_FAULT', () => {
    expect(parseFault({ type: 'disconnect', downMs: 500 })).toEqual({ type: 'disconnect', downMs: 500 });
    expect(parseFault({ type: 'malformed', kind: 'oversized' })).toEqual({ type: 'malformed', kind: 'oversized' });
    expect(parseFault({ type: 'probe-off', metric: 'spo2', samples: 3 })).toEqual({
      type: 'probe-off',
      metric: 'spo2',
      samples: 3,
    });
    expect(parseFault({ type: 'clock-skew', offsetMs: -60000 })).toEqual({ type: 'clock-skew', offsetMs: -60000 });
    for (const bad of [
      null,
      { type: 'explode' },
      { type: 'malformed', kind: 'weird' },
      { type: 'disconnect', downMs: -1 },
      { type: 'probe-off', metric: 'mood' },
    ]) {
      expect(() => parseFault(bad)).toThrow();
      try {
        parseFault(bad);
      } catch (err) {
        expect(isVitalsError(err, 'SIM_ERR_INVALID_FAULT')).toBe(true);
      }
    }
  });
});
