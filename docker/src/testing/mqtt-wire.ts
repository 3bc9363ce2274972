/**
 * MQTT 3.1.1 / 5 packets as raw bytes, for fuzzing a broker at the protocol level: well-formed packets of each
 * type (so a mutation of one reaches deep into the parser), and deliberately broken ones (remaining length
 * that lies or overflows, reserved types and flags, strings longer than the packet, huge lengths).
 */
import { mutateBytes, randomJson, type Rng } from './fuzz.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length & 0xffff);
  return Buffer.concat([len, b]);
}

/** A packet: fixed header (type, flags), remaining length, body. */
export function mqttPacket(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([((type & 0x0f) << 4) | (flags & 0x0f)]), varint(body.length), body]);
}

export function mqttConnect(o: {
  clientId: string;
  version?: 4 | 5;
  username?: string;
  password?: string;
  keepalive?: number;
}): Buffer {
  const version = o.version ?? 4;
  let flags = 0x02; // clean session
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const keep = Buffer.alloc(2);
  keep.writeUInt16BE(o.keepalive ?? 30);
  const parts = [str('MQTT'), Buffer.from([version, flags]), keep];
  if (version === 5) parts.push(Buffer.from([0])); // no properties
  parts.push(str(o.clientId));
  if (o.username !== undefined) parts.push(str(o.username));
  if (o.password !== undefined) parts.push(str(o.password));
  return mqttPacket(1, 0, Buffer.concat(parts));
}

export function mqttPublish(o: {
  topic: string;
  payload: Buffer;
  qos?: 0 | 1 | 2;
  id?: number;
  version?: 4 | 5;
  retain?: boolean;
}): Buffer {
  const qos = o.qos ?? 0;
  const parts = [str(o.topic)];
  if (qos > 0) {
    const id = Buffer.alloc(2);
    id.writeUInt16BE(o.id ?? 1);
    parts.push(id);
  }
  if (o.version === 5) parts.push(Buffer.from([0]));
  parts.push(o.payload);
  return mqttPacket(3, (qos << 1) | (o.retain ? 1 : 0), Buffer.concat(parts));
}

export function mqttSubscribe(o: { filter: string; qos?: number; id?: number }): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(o.id ?? 1);
  return mqttPacket(8, 0x02, Buffer.concat([id, str(o.filter), Buffer.from([o.qos ?? 0])]));
}

/** A sequence of packets for one connection: mostly a CONNECT first, then valid, mutated or broken packets. */
export function mqttSession(rng: Rng, o: { topics: readonly string[]; payloads: () => Buffer }): Buffer {
  const version = rng.pick([4, 4, 5] as const);
  const clientId = rng.weighted<() => string>([
    [6, () => `FUZZ-${rng.int(0, 9999)}`],
    [1, () => ''],
    [1, () => 'x'.repeat(rng.int(100, 70_000))],
    [1, () => rng.bytes(rng.int(1, 20)).toString('latin1')],
  ])();
  const packets: Buffer[] = [];
  if (rng.bool(0.85)) {
    const connect = mqttConnect({
      clientId,
      version,
      keepalive: rng.pick([0, 1, 30, 65535]),
      ...(rng.bool(0.2) ? { username: rng.pick(['', 'MON-1', 'x'.repeat(300)]) } : {}),
      ...(rng.bool(0.1) ? { password: 'secret' } : {}),
    });
    packets.push(rng.bool(0.2) ? mutateBytes(rng, connect) : connect);
  }
  for (let n = rng.int(0, 6); n > 0; n--) packets.push(oneBrokenOrValid(rng, version, o));
  return Buffer.concat(packets);
}

function oneBrokenOrValid(rng: Rng, version: 4 | 5, o: { topics: readonly string[]; payloads: () => Buffer }): Buffer {
  const publish = () =>
    mqttPublish({
      topic: rng.bool(0.8)
        ? rng.pick(o.topics)
        : rng.pick(['', '#', '+/+', '$SYS/x', 'a'.repeat(65_535), '\u0000', 'vitals/devices/+/readings']),
      payload: rng.bool(0.7) ? o.payloads() : Buffer.from(JSON.stringify(randomJson(rng, 4))),
      qos: rng.pick([0, 1, 2, 1] as const),
      id: rng.pick([0, 1, 65535, rng.int(1, 65535)]),
      version,
      retain: rng.bool(0.1),
    });
  return rng.weighted<() => Buffer>([
    [5, publish],
    [3, () => mutateBytes(rng, publish())],
    [
      1,
      () =>
        mqttSubscribe({
          filter: rng.pick(['#', 'vitals/#', '', 'a/+/b', '\u0000', ...o.topics]),
          qos: rng.int(0, 3),
          id: rng.int(0, 65535),
        }),
    ],
    [1, () => mqttPacket(12, 0, Buffer.alloc(0))], // PINGREQ
    [1, () => mqttPacket(rng.int(0, 15), rng.int(0, 15), rng.bytes(rng.int(0, 64)))], // any type, any flags
    [1, () => Buffer.concat([Buffer.from([0x30]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])])], // remaining length > 4 bytes
    [
      1,
      () =>
        Buffer.concat([Buffer.from([0x30]), varint(rng.pick([268_435_455, 10_000_000, 1_000_000])), rng.bytes(rng.int(0, 256))]),
    ], // lies: huge
    [1, () => Buffer.concat([Buffer.from([0x30, 0x0a]), str('x'.repeat(200))])], // string longer than the packet
    [1, () => rng.bytes(rng.int(1, 512))],
    [1, () => mqttPacket(14, 0, Buffer.alloc(0))], // DISCONNECT
    [1, () => mqttConnect({ clientId: 'second-connect' })], // a second CONNECT is a protocol violation
  ])();
}
