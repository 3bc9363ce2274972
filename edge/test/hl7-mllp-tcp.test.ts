/**
 * HL7 v2 ORU^R01 over MLLP on the TCP port, from a real TCP client: AA after the commit, AE with the reasons
 * for refused observations, AR for messages refused whole, garbage between frames skipped and counted, chunks
 * split anywhere, and the deviceSeq rule (integer MSH-10, else a persisted per-device counter that maps a
 * resent control id to the same seq).
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeOru, mllpFrame, type OruObservationInput } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { httpGet, openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { MllpPeer } from './support/mllp-peer.js';

function oru(deviceId: string, controlId: string, observations: OruObservationInput[]): string {
  return encodeOru({ deviceId, controlId, messageTimeMs: Date.now(), observations });
}
const vitals = (hr: number, at = Date.now()): OruObservationInput[] => [
  { metric: 'heart_rate', value: hr, observedAtMs: at },
  { metric: 'spo2', value: 97, observedAtMs: at },
];

describe('HL7 over MLLP TCP', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  const sockets: net.Socket[] = [];
  const connect = async () => {
    const s = net.connect(gw!.ports.mllp!, '127.0.0.1');
    sockets.push(s);
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    return { socket: s, peer: new MllpPeer(s) };
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await gw?.close();
    gw = undefined;
    dir.remove();
  });

  it('acknowledges AA after the commit, in order, for messages split across chunks and sent back to back', async () => {
    gw = await startTestGateway(dir.path);
    const { socket, peer } = await connect();
    const framed = Buffer.concat([1, 2, 3].map((n) => mllpFrame(oru('MON-H1', String(n), vitals(70 + n)))));
    // Split the three frames at awkward places, garbage before and between included.
    const bytes = Buffer.concat([
      Buffer.from('noise'),
      framed.subarray(0, 7),
      framed.subarray(7, 200),
      Buffer.from([0x00]),
      framed.subarray(200),
    ]);
    const db = openBuffer(dir.path);
    const count = db.prepare('SELECT COUNT(*) FROM readings').pluck();
    const countsAtAck: number[] = [];
    socket.on('data', () => countsAtAck.push(count.get() as number));
    for (let i = 0; i < bytes.length; i += 50) socket.write(bytes.subarray(i, i + 50));
    const acks = await peer.waitForAcks(3);
    expect(acks.map((a) => [a.code, a.controlId])).toEqual([
      ['AA', '1'],
      ['AA', '2'],
      ['AA', '3'],
    ]);
    expect(countsAtAck[0]).toBeGreaterThanOrEqual(2);
    expect(db.prepare('SELECT device_seq, value FROM readings WHERE metric = 0 ORDER BY seq').all()).toEqual([
      { device_seq: 1, value: 71 },
      { device_seq: 2, value: 72 },
      { device_seq: 3, value: 73 },
    ]);
    db.close();
    const metrics = (await httpGet(`http://127.0.0.1:${gw.ports.http}/metrics`)).text;
    expect(metrics).toMatch(/edge_garbage_bytes_total\{source="mllp"\} [1-9]/);
  });

  it('answers AE with the reason for refused observations and AR for messages refused whole, then takes the next valid one', async () => {
    gw = await startTestGateway(dir.path, { maxPayloadBytes: 4096 });
    const { peer } = await connect();
    const other = (await connect()).peer;
    const now = Date.now();
    const cases: Array<[string, string | Buffer, string, string]> = [
      [
        'implausible value',
        oru('MON-H2', '10', [{ metric: 'heart_rate', value: 950, observedAtMs: now }]),
        'AE',
        'IMPLAUSIBLE_VALUE',
      ],
      [
        'unknown code',
        oru('MON-H2', '11', [
          { metric: 'heart_rate', value: 70, observedAtMs: now, sourceCode: { code: '4242', text: 'VENDOR' } },
        ]),
        'AE',
        'UNKNOWN_METRIC',
      ],
      [
        'unit mismatch',
        oru('MON-H2', '12', [{ metric: 'spo2', value: 97, observedAtMs: now, unit: 'mmHg^^UCUM' }]),
        'AE',
        'UNIT_MISMATCH',
      ],
      [
        'far future',
        oru('MON-H2', '13', [{ metric: 'spo2', value: 97, observedAtMs: now + 86_400_000 }]),
        'AE',
        'FUTURE_TIMESTAMP',
      ],
      ['not HL7 at all', 'this is not HL7', 'AR', 'MALFORMED'],
      ['not an ORU^R01', 'MSH|^~\\&|MON-H2|W|GW|H|20260101||ADT^A01|14|P|2.6\r', 'AR', 'MALFORMED'],
      ['oversized', 'x'.repeat(5000), 'AR', 'PAYLOAD_TOO_LARGE'],
    ];
    let n = 0;
    let seq = 100;
    for (const [what, message, code, reason] of cases) {
      const ack = await peer.exchange(message);
      expect([what, ack.code]).toEqual([what, code]);
      expect(ack.errorText).toContain(reason);
      const next = await peer.exchange(oru('MON-H2', String(seq++), vitals(72)));
      expect([what, next.code]).toEqual([what, 'AA']);
      const neighbour = await other.exchange(oru('MON-H3', String(seq++), vitals(80)));
      expect(neighbour.code).toBe('AA');
      n++;
    }
    expect(gw.store.counts.readings).toBe(n * 4);
    const db = openBuffer(dir.path);
    expect(db.prepare('SELECT reason FROM rejected ORDER BY id').pluck().all()).toEqual(cases.map((c) => c[3]));
    db.close();
  });

  it('refuses an unknown device with AR when an allow-list is configured', async () => {
    gw = await startTestGateway(dir.path, { deviceAuth: 'allowlist', deviceAllowlist: ['MON-OK'] });
    const { peer } = await connect();
    const no = await peer.exchange(oru('MON-NO', '1', vitals(70)));
    expect(no).toMatchObject({ code: 'AR' });
    expect(no.errorText).toContain('UNKNOWN_DEVICE');
    expect((await peer.exchange(oru('MON-OK', '2', vitals(70)))).code).toBe('AA');
  });

  it('derives deviceSeq from a persisted per-device counter when MSH-10 is not an integer, and stores a resend once', async () => {
    gw = await startTestGateway(dir.path);
    let { peer } = await connect();
    const at = Date.now() - 5000;
    const first = oru('MON-H4', 'MSG-a', vitals(70, at));
    expect((await peer.exchange(first)).code).toBe('AA');
    expect((await peer.exchange(oru('MON-H4', 'MSG-b', vitals(71, at + 1000)))).code).toBe('AA');
    // The ACK of MSG-a was "lost": the monitor sends the same message again.
    expect((await peer.exchange(first)).code).toBe('AA');
    // A conflicting resend (same control id and time, another value) is refused with its reason.
    const conflicting = await peer.exchange(oru('MON-H4', 'MSG-a', vitals(99, at)));
    expect(conflicting.code).toBe('AE');
    expect(conflicting.errorText).toContain('CONFLICTING_DUPLICATE');

    // The counter survives a restart.
    await gw.close();
    gw = await startTestGateway(dir.path);
    ({ peer } = await connect());
    expect((await peer.exchange(oru('MON-H4', 'MSG-c', vitals(72, at + 2000)))).code).toBe('AA');
    const db = openBuffer(dir.path);
    expect(db.prepare('SELECT device_seq, value FROM readings WHERE metric = 0 ORDER BY seq').all()).toEqual([
      { device_seq: 0, value: 70 },
      { device_seq: 1, value: 71 },
      { device_seq: 2, value: 72 },
    ]);
    db.close();
  });
});
