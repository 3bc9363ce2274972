/**
 * Regression of a defect the fuzz suite found (issue 19): MQTT lets a client send packets right after CONNECT,
 * before the CONNACK, but aedes hands such a PUBLISH to authorizePublish while the CONNECT is still being
 * checked; the broker knew no identity yet and refused the frame as DEVICE_NOT_AUTHORISED. Seen when the PUBLISH
 * arrives in a later TCP read than the CONNECT (a large frame). A monitor whose MQTT stack pipelines lost
 * readings. Now the authorize hooks wait for the CONNECT's outcome.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tcpExchange } from '@vitals/stack/testing/fuzz';
import { mqttConnect, mqttPublish } from '@vitals/stack/testing/mqtt-wire';
import type { Gateway } from '../src/gateway.js';
import { openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { frame } from './support/mqtt-device.js';

const PUBACK = Buffer.from([0x40, 0x02, 0x00, 0x05]);

describe('a frame published right after CONNECT, before the CONNACK', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    dir.remove();
  });

  for (const padding of [0, 150_000]) {
    it(`is acknowledged and committed (${padding} bytes of JSON whitespace)`, async () => {
      gw = await startTestGateway(dir.path, { commitLinger: 5 });
      const now = Date.now();
      // JSON whitespace makes the frame large without changing it.
      const payload = Buffer.from(`${' '.repeat(padding)}${frame(7, now - 1000, { heart_rate: 71 }).toString()}`);
      const bytes = Buffer.concat([
        mqttConnect({ clientId: 'MON-PIPE' }),
        mqttPublish({ topic: 'vitals/devices/MON-PIPE/readings', payload, qos: 1, id: 5 }),
      ]);
      const x = await tcpExchange(gw.ports.mqtt!, bytes, { waitMs: 10_000, until: (r) => r.includes(PUBACK) });
      expect(x.received.includes(PUBACK), `got ${x.received.toString('hex')}`).toBe(true);
      const db = openBuffer(dir.path);
      try {
        const stored = db
          .prepare(
            'SELECT count(*) AS n FROM readings r JOIN devices d ON d.ref = r.device_ref WHERE d.device_id = ? AND r.device_seq = 7',
          )
          .get('MON-PIPE') as { n: number };
        expect(stored.n).toBe(1);
      } finally {
        db.close();
      }
    });
  }
});
