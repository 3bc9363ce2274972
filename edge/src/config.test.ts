import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vitals/shared';
import { loadEdgeConfig, parseSerialPorts } from './config.js';

describe('edge configuration', () => {
  it('has defaults for everything, so `vitals edge` runs without settings', () => {
    const c = loadEdgeConfig({});
    expect(c).toMatchObject({
      httpPort: 8090,
      mqttPort: 1884,
      mllpPort: 2575,
      mqttMode: 'embedded',
      cloudUrl: null,
      serialPorts: [],
    });
    expect(c.bufferMaxBytes).toBe(2 * 1024 ** 3);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('parses ports, sizes, durations, serial ports and `off`', () => {
    const c = loadEdgeConfig({
      EDGE_MQTT_PORT: 'off',
      EDGE_MLLP_PORT: '0',
      EDGE_BUFFER_MAX_BYTES: '512MiB',
      EDGE_HISTORY_WINDOW: '2h',
      EDGE_SERIAL_PORTS: '/dev/ttyUSB0, /dev/ttyS1@19200',
      CLOUD_URL: 'https://cloud.example/ingest/',
    });
    expect(c.mqttPort).toBeNull();
    expect(c.mllpPort).toBe(0);
    expect(c.bufferMaxBytes).toBe(512 * 1024 ** 2);
    expect(c.historyWindow).toBe(7_200_000);
    expect(c.serialPorts).toEqual([
      { path: '/dev/ttyUSB0', baudRate: undefined },
      { path: '/dev/ttyS1', baudRate: 19200 },
    ]);
    expect(c.cloudUrl).toBe('https://cloud.example/ingest');
  });

  it('fails fast listing every problem, without showing secrets', () => {
    let err: unknown;
    try {
      loadEdgeConfig({
        EDGE_HTTP_PORT: 'eighty',
        GATEWAY_ID: 'Not Valid',
        EDGE_DEVICE_AUTH: 'maybe',
        EDGE_SERIAL_PORTS: '/dev/x@fast',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const v of ['EDGE_HTTP_PORT', 'GATEWAY_ID', 'EDGE_DEVICE_AUTH', 'EDGE_SERIAL_PORTS']) expect(problems).toContain(v);
    expect(parseSerialPorts('')).toEqual([]);
  });
});
