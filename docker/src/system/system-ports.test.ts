import { describe, expect, it } from 'vitest';
import { allPorts, cloudEnv, edgeEnv, systemPorts } from './system-ports.js';

describe('systemPorts', () => {
  it('uses the documented defaults without an offset', () => {
    const p = systemPorts(2);
    expect(p).toMatchObject({ storage: 8080, config: 8081, configMqtt: 1885, analytics: 8082, enricher: 8084, web: 8088 });
    expect(p.wards).toEqual([
      { http: 8090, mqtt: 1884, mllp: 2575 },
      { http: 8091, mqtt: 1886, mllp: 2576 },
    ]);
  });

  it('gives every process its own port, also with an offset', () => {
    for (const offset of [0, 1, 100, 20000]) {
      const ports = allPorts(systemPorts(3, offset));
      expect(new Set(ports).size).toBe(ports.length);
    }
  });

  it('moves every port by the offset', () => {
    const base = allPorts(systemPorts(2));
    expect(allPorts(systemPorts(2, 1000))).toEqual(base.map((p) => p + 1000));
  });

  it('refuses an offset that is negative, fractional or runs past 65535', () => {
    expect(() => systemPorts(2, -1)).toThrow(RangeError);
    expect(() => systemPorts(2, 1.5)).toThrow(RangeError);
    expect(() => systemPorts(2, 60000)).toThrow(RangeError);
  });

  it('points the web service and the gateways at the moved cloud ports', () => {
    const p = systemPorts(2, 10);
    expect(cloudEnv(p)).toMatchObject({ STORAGE_PORT: '8090', WEB_STORAGE_URL: 'http://127.0.0.1:8090', WEB_PORT: '8098' });
    expect(edgeEnv(p, 1)).toEqual({
      CLOUD_URL: 'http://127.0.0.1:8090',
      EDGE_CONFIG_MQTT_URL: 'mqtt://127.0.0.1:1895',
      EDGE_HTTP_PORT: '8101',
      EDGE_MQTT_PORT: '1896',
      EDGE_MLLP_PORT: '2586',
    });
  });
});
