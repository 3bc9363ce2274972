/**
 * Fuzz of the configuration acknowledgements gateways send over MQTT (issue 19), at the configuration service's
 * embedded broker, the service running as its own process (the real CLI). Each input is one raw MQTT
 * connection authenticated as a (victim) gateway that publishes one QoS 1 payload: valid, mutated, out-of-range
 * or garbage acknowledgements on its own ack topic, some on topics it may not use, some broken packets.
 *
 * Half the connections send their PUBLISH right after the CONNECT, half wait for the CONNACK. An acknowledgement
 * on the gateway's own topic must be answered with a PUBACK, recorded or dropped: a closed
 * connection without PUBACK makes the gateway send it again forever, so it counts as a crash. After every burst
 * a probe gateway's valid acknowledgement gets its PUBACK and a new row in `gateway_config_acks`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@vitals/stack/testing';
import {
  createTally,
  deepNesting,
  fuzzInputs,
  mutateBytes,
  mutateJson,
  randomJson,
  rssOf,
  runPool,
  tcpExchange,
  withInvalidUtf8,
  type Rng,
} from '@vitals/stack/testing/fuzz';
import { mqttConnect, mqttPublish, mqttSession } from '@vitals/stack/testing/mqtt-wire';
import { startCliService, type CliService } from '../test/support/child-service.js';
import { JWT_SECRET, startStorageFixture, type StorageFixture, type Tenant } from '../test/support/storage-fixture.js';

const INPUTS = fuzzInputs(10_000);
const BURST = 1000;

let f: StorageFixture;
let victim: Tenant;
let probe: Tenant;
let config: CliService;
let mqttPort: number;

beforeAll(async () => {
  f = await startStorageFixture();
  victim = await f.tenant('ack-victim');
  probe = await f.tenant('ack-probe');
  mqttPort = await freePort();
  config = startCliService('config', {
    DATABASE_URL: f.databaseUrl,
    CONFIG_HOST: '127.0.0.1',
    CONFIG_MQTT_PORT: String(mqttPort),
    CONFIG_DEBOUNCE: '20ms',
    CLOUD_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'silent',
  });
  await config.url;
});
afterAll(async () => {
  await config?.kill();
  await f?.close();
});

/** The control packet types in `bytes` (3.1.1 framing), in order. */
function packetTypes(bytes: Buffer): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const type = bytes[i]! >> 4;
    let len = 0;
    let mul = 1;
    let j = i + 1;
    for (; j < bytes.length; j++) {
      len += (bytes[j]! & 0x7f) * mul;
      mul *= 128;
      if ((bytes[j]! & 0x80) === 0) break;
    }
    if (j >= bytes.length) break;
    out.push(type);
    i = j + 1 + len;
  }
  return out;
}

const CONNACK = 2;
const PUBACK = 4;

function ackPayload(rng: Rng): { payload: Buffer; what: string } {
  const version = rng.pick([0, 1, 2, 3, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 63, 1e20, 1e308, -1, 1.5]);
  const valid: Record<string, unknown> = { version, status: rng.pick(['applied', 'rejected']) };
  if (rng.bool(0.3)) valid.reason = rng.pick(['bad threshold', '', 'x'.repeat(1024), '\u0000']);
  if (rng.bool(0.5)) valid.appliedVersion = rng.pick([0, 1, version, 2 ** 53 + 2, 1e308]);
  const kind = rng.weighted<string>([
    [4, 'valid'],
    [4, 'mutated'],
    [1, 'random-json'],
    [1, 'random-bytes'],
    [1, 'mutated-bytes'],
    [1, 'oversized'],
    [1, 'invalid-utf8'],
    [1, 'deep-nesting'],
    [1, 'proto-keys'],
    [1, 'empty'],
  ]);
  const text = JSON.stringify(valid);
  const payload =
    kind === 'valid'
      ? Buffer.from(text)
      : kind === 'mutated'
        ? Buffer.from(JSON.stringify(mutateJson(rng, valid)))
        : kind === 'random-json'
          ? Buffer.from(JSON.stringify(randomJson(rng, 4)))
          : kind === 'random-bytes'
            ? rng.bytes(rng.int(0, 512))
            : kind === 'mutated-bytes'
              ? mutateBytes(rng, Buffer.from(text))
              : kind === 'oversized'
                ? Buffer.from(JSON.stringify({ ...valid, reason: 'x'.repeat(rng.pick([1025, 5000, 100_000])) }))
                : kind === 'invalid-utf8'
                  ? withInvalidUtf8(rng, text)
                  : kind === 'deep-nesting'
                    ? Buffer.from(deepNesting(rng.pick([100, 1000, 3000])))
                    : kind === 'proto-keys'
                      ? Buffer.from(`{"__proto__":{"status":"applied"},${text.slice(1)}`)
                      : Buffer.alloc(0);
  return { payload, what: `${kind} ${payload.subarray(0, 80).toString('utf8')}` };
}

let connections = 0;
async function publishAck(
  gatewayId: string,
  token: string,
  payload: Buffer,
  topic = `vitals/config/${gatewayId}/ack`,
  pipelined = false,
  id = 7,
) {
  const connect = mqttConnect({ clientId: `fuzz-${gatewayId}-${++connections}`, username: gatewayId, password: token });
  const publish = mqttPublish({ topic, payload, qos: 1, id });
  // Every other connection sends its PUBLISH right after the CONNECT (MQTT allows it), the others wait for the
  // CONNACK as mqtt.js does.
  const x = pipelined
    ? await tcpExchange(mqttPort, Buffer.concat([connect, publish]), {
        waitMs: 10_000,
        until: (r) => packetTypes(r).includes(PUBACK),
      })
    : await tcpExchange(mqttPort, connect, {
        waitMs: 10_000,
        then: { when: (r) => packetTypes(r).includes(CONNACK), bytes: publish },
        until: (r) => packetTypes(r).includes(PUBACK),
      });
  return { ...x, types: packetTypes(x.received) };
}

async function ackRows(gatewayId: string): Promise<number> {
  const { rows } = await f.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_config_acks WHERE gateway_id = $1', [
    gatewayId,
  ]);
  return rows[0]!.n;
}

async function probeAcks(): Promise<{ ok: boolean; detail?: string }> {
  const before = await ackRows(probe.gatewayId);
  const x = await publishAck(
    probe.gatewayId,
    probe.gatewayToken,
    Buffer.from(JSON.stringify({ version: 1, status: 'applied', appliedVersion: 1 })),
  );
  if (!x.types.includes(PUBACK))
    return { ok: false, detail: `no PUBACK (${x.types.join(',')}, ${x.error ?? (x.closed ? 'closed' : 'open')})` };
  const after = await ackRows(probe.gatewayId);
  return after === before + 1 ? { ok: true } : { ok: false, detail: `${after - before} rows recorded` };
}

describe('config acknowledgements fuzz', () => {
  it(`${INPUTS} acknowledgements over MQTT: each own-topic one is PUBACKed (recorded or dropped), the service survives`, async () => {
    const t = createTally('config-acks-mqtt');
    for (let start = 0; start < INPUTS; start += BURST) {
      const n = Math.min(BURST, INPUTS - start);
      await runPool(n, 16, async (k) => {
        const i = start + k;
        const rng = t.rng.fork(`#${i}`);
        const way = rng.weighted<string>([
          [17, 'own-topic'],
          [2, 'other-topic'],
          [1, 'raw-session'],
        ]);
        if (way === 'raw-session') {
          const x = await tcpExchange(
            mqttPort,
            mqttSession(rng, { topics: [`vitals/config/${victim.gatewayId}/ack`], payloads: () => ackPayload(rng).payload }),
            {
              waitMs: 100,
            },
          );
          t.outcome(`raw/${x.error ?? (x.closed ? 'closed' : 'open')}`);
        } else {
          const { payload, what } = ackPayload(rng);
          const topic =
            way === 'own-topic'
              ? `vitals/config/${victim.gatewayId}/ack`
              : rng.pick([
                  `vitals/config/${probe.gatewayId}/ack`,
                  `vitals/config/${victim.gatewayId}`,
                  'vitals/config/+/ack',
                  '#',
                ]);
          const x = await publishAck(victim.gatewayId, victim.gatewayToken, payload, topic, rng.bool());
          const acked = x.types.includes(PUBACK);
          t.outcome(`${way}/${acked ? 'puback' : x.types.length === 0 ? 'nothing' : 'no-puback'}`);
          if (way === 'own-topic' && !acked) {
            t.crash(
              `#${i} ${what}: connection ${x.closed ? 'closed' : 'left open'} without PUBACK (the gateway would resend it forever)`,
            );
          }
        }
        if (!config.alive()) t.crash(`#${i}: the configuration service exited`);
      });
      if (!config.alive()) {
        t.validAfter(false, 'service gone');
        break;
      }
      const v = await probeAcks();
      t.validAfter(v.ok, `after #${start + n - 1}: ${v.detail ?? ''}`);
    }
    const summary = t.finish({ rssMiB: { config: rssOf(config.child.pid) } });
    expect(summary.crashSamples).toEqual([]);
    expect(summary.crashes).toBe(0);
    expect(summary.inputs).toBe(INPUTS);
    expect(summary.validAfter).toBe(true);
    expect(config.alive()).toBe(true);
  });
});
