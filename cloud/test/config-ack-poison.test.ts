/**
 * Regression of the acknowledgements the fuzz suite found never acknowledged (issue 19): a ConfigAck whose
 * version was beyond a PostgreSQL bigint (2^63, 1e308) or whose reason held a NUL character passed the schema,
 * failed in the database, and the embedded broker closed the connection without PUBACK, so the gateway would
 * send it again forever. Each is now refused at decoding (CONFIG_ERR_INVALID_ACK), counted, dropped and
 * PUBACKed; the service runs as its own process and still records a valid acknowledgement afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@vitals/stack/testing';
import { tcpExchange } from '@vitals/stack/testing/fuzz';
import { mqttConnect, mqttPublish } from '@vitals/stack/testing/mqtt-wire';
import { startCliService, type CliService } from './support/child-service.js';
import { JWT_SECRET, startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let t: Tenant;
let config: CliService;
let mqttPort: number;
let url: string;

beforeAll(async () => {
  f = await startStorageFixture();
  t = await f.tenant('ack-poison');
  mqttPort = await freePort();
  config = startCliService('config', {
    DATABASE_URL: f.databaseUrl,
    CONFIG_HOST: '127.0.0.1',
    CONFIG_MQTT_PORT: String(mqttPort),
    CLOUD_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'warn',
  });
  url = await config.url;
});
afterAll(async () => {
  await config?.kill();
  await f?.close();
});

let n = 0;
/** One connection as the gateway publishing `payload` at QoS 1 to its ack topic: was it PUBACKed? */
async function publishAck(payload: string): Promise<boolean> {
  const connect = mqttConnect({ clientId: `poison-${++n}`, username: t.gatewayId, password: t.gatewayToken });
  const publish = mqttPublish({ topic: `vitals/config/${t.gatewayId}/ack`, payload: Buffer.from(payload), qos: 1, id: 9 });
  // CONNACK accepted is 0x20 0x02 0x00 0x00; then the PUBLISH, answered by PUBACK 0x40 0x02 0x00 0x09.
  const x = await tcpExchange(mqttPort, connect, {
    waitMs: 10_000,
    then: { when: (r) => r.includes(Buffer.from([0x20, 0x02, 0x00, 0x00])), bytes: publish },
    until: (r) => r.includes(Buffer.from([0x40, 0x02, 0x00, 0x09])),
  });
  return x.received.includes(Buffer.from([0x40, 0x02, 0x00, 0x09]));
}

async function ackRows(): Promise<number> {
  const { rows } = await f.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_config_acks WHERE gateway_id = $1', [
    t.gatewayId,
  ]);
  return rows[0]!.n;
}

async function invalidAcksCounted(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => /^(vitals_)?config_invalid_acks_total(\{[^}]*\})? /.test(l));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('an acknowledgement the database cannot hold is dropped with a PUBACK, not resent forever', () => {
  const poison: Array<[string, string]> = [
    ['version 2^63', '{"version":9223372036854775808,"status":"applied"}'],
    ['version 1e308', '{"version":1e308,"status":"rejected","appliedVersion":1}'],
    ['appliedVersion 1e308', '{"version":1,"status":"applied","appliedVersion":1e308}'],
    ['version just above the safe integers', '{"version":9007199254740993,"status":"applied"}'],
    ['a NUL character in the reason', '{"version":1,"status":"rejected","reason":"bad\\u0000rule"}'],
  ];
  for (const [what, payload] of poison) {
    it(`${what}: PUBACK, nothing recorded, counted as invalid, the service keeps running`, async () => {
      const rows = await ackRows();
      const invalid = await invalidAcksCounted();
      expect(await publishAck(payload)).toBe(true);
      expect(await ackRows()).toBe(rows);
      expect(await invalidAcksCounted()).toBe(invalid + 1);
      expect(config.alive()).toBe(true);
    });
  }

  it('a valid acknowledgement afterwards is PUBACKed and recorded', async () => {
    const rows = await ackRows();
    expect(await publishAck('{"version":1,"status":"applied","appliedVersion":1}')).toBe(true);
    expect(await ackRows()).toBe(rows + 1);
  });
});

describe('an acknowledgement sent right after CONNECT, before the CONNACK (MQTT allows it)', () => {
  // A large payload arrives in a later TCP read than the CONNECT, which is when aedes handed it to
  // authorizePublish before authentication had called back: the broker refused it and closed the connection.
  for (const size of [100, 100_000]) {
    it(`with a ${size}-byte reason: waits for the authentication, then PUBACK and the ack is handled`, async () => {
      const rows = await ackRows();
      const invalid = await invalidAcksCounted();
      const reason = 'r'.repeat(size);
      const payload = JSON.stringify({
        version: 1,
        status: 'rejected',
        reason,
      });
      const bytes = Buffer.concat([
        mqttConnect({ clientId: `pipelined-${size}`, username: t.gatewayId, password: t.gatewayToken }),
        mqttPublish({ topic: `vitals/config/${t.gatewayId}/ack`, payload: Buffer.from(payload), qos: 1, id: 9 }),
      ]);
      const puback = Buffer.from([0x40, 0x02, 0x00, 0x09]);
      const x = await tcpExchange(mqttPort, bytes, { waitMs: 10_000, until: (r) => r.includes(puback) });
      expect(
        x.received.includes(puback),
        `got ${x.received.toString('hex')}, closed ${x.closed} ${config.output.slice(-4).join('\n').slice(0, 1500)}`,
      ).toBe(true);
      // The short one is recorded; the long one is dropped as invalid (over 4 KiB), yet PUBACKed.
      if (size <= 1024) expect(await ackRows()).toBe(rows + 1);
      else expect(await invalidAcksCounted()).toBe(invalid + 1);
    });
  }

  it('a client whose CONNECT is refused gets no PUBACK for what it pipelined, and nothing is recorded', async () => {
    const rows = await ackRows();
    const bytes = Buffer.concat([
      mqttConnect({ clientId: 'pipelined-bad-token', username: t.gatewayId, password: 'vgw_wrong' }),
      mqttPublish({
        topic: `vitals/config/${t.gatewayId}/ack`,
        payload: Buffer.from('{"version":1,"status":"applied"}'),
        qos: 1,
        id: 9,
      }),
    ]);
    const x = await tcpExchange(mqttPort, bytes, { waitMs: 5_000 });
    expect(x.received.includes(Buffer.from([0x40, 0x02, 0x00, 0x09]))).toBe(false);
    expect(x.closed).toBe(true);
    expect(await ackRows()).toBe(rows);
  });
});
