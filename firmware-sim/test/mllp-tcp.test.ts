/**
 * HL7 monitors over MLLP/TCP against a test server on an ephemeral port that checks values with the shared
 * catalog (AA, or AR with a reason): the ledger records the codes; when the server drops the connection or
 * goes away and comes back, the device reconnects and sends again what lost its ACK.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReading, waitFor } from '@vitals/shared';
import { createSimulation, type Simulation } from '../src/index.js';
import { attachHl7Receiver, type Hl7Receiver } from '../src/testing/index.js';

interface TestServer {
  readonly port: number;
  readonly sockets: Set<net.Socket>;
  readonly receivers: Hl7Receiver[];
  close(): Promise<void>;
}

/** An MLLP listener that validates each observation like a gateway would (without storing anything). */
async function mllpServer(port = 0, opts: { silent?: () => boolean } = {}): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const receivers: Hl7Receiver[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    receivers.push(
      attachHl7Receiver(socket, (m) => {
        if (opts.silent?.()) return 'none';
        for (const o of m.observations) {
          if (o.value === undefined) continue;
          const r = checkReading(
            { metric: o.metric ?? o.sourceCode, value: o.value, measuredAt: o.observedAtMs, ...(o.unit ? { unit: o.unit } : {}) },
            Date.now(),
          );
          if (!r.ok) return { code: 'AR', text: `${r.reason}: ${r.detail}` };
        }
        return { code: 'AA' };
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    receivers,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('HL7 over MLLP/TCP', () => {
  let sim: Simulation | undefined;
  const servers: TestServer[] = [];

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    for (const s of servers.splice(0)) await s.close();
  });

  it('records AA for good frames and AR with the reason for bad ones, per device', async () => {
    const server = await mllpServer();
    servers.push(server);
    sim = createSimulation({
      devices: ['TCP-1', 'TCP-2'].map((id) => ({
        id,
        transport: { kind: 'mllp-tcp' as const, host: '127.0.0.1', port: server.port },
        scenario: { kind: 'sepsis' as const, durationMs: 60_000 },
      })),
      rate: { perDevice: 25 },
      seed: 'tcp-1',
    });
    await sim.start();
    await sim.waitConnected(5000);
    await waitFor(() => sim!.ledger.counts().framesAcknowledged >= 40, { timeoutMs: 15_000, intervalMs: 20, what: '40 AAs' });
    for (const kind of ['implausible-value', 'unit-mismatch', 'future-timestamp', 'unknown-metric'] as const) {
      sim.fault({ type: 'malformed', kind }, 'TCP-1');
    }
    sim.fault({ type: 'clock-skew', offsetMs: 3_600_000 }, 'TCP-2');
    const skewFrom = sim.status().devices[1]!.nextSeq;
    await waitFor(
      () =>
        sim!.ledger.entries(
          (e) => e.deviceId === 'TCP-2' && e.seq !== null && e.seq >= skewFrom + 3 && e.ack.status !== 'pending',
        ).length > 0,
      {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: 'skewed frames answered',
      },
    );
    await sim.stop();

    const entries = sim.ledger.entries();
    const malformed = sim.ledger.malformed();
    expect(malformed.map((e) => [e.malformed, e.ack.status, e.ack.code])).toEqual([
      ['implausible-value', 'rejected', 'AR'],
      ['unit-mismatch', 'rejected', 'AR'],
      ['future-timestamp', 'rejected', 'AR'],
      ['unknown-metric', 'rejected', 'AR'],
    ]);
    expect(malformed[0]!.ack.text).toMatch(/IMPLAUSIBLE_VALUE/);
    expect(entries.filter((e) => e.kind === 'frame' && e.deviceId === 'TCP-1').every((e) => e.ack.code === 'AA')).toBe(true);
    // An hour of clock skew: the receiver refuses those frames as from the future, and the ledger does not expect them.
    const skewed = entries.filter((e) => e.deviceId === 'TCP-2' && e.skewMs === 3_600_000);
    expect(skewed.length).toBeGreaterThan(0);
    expect(skewed.every((e) => e.ack.code === 'AR' && /FUTURE_TIMESTAMP/.test(e.ack.text ?? ''))).toBe(true);
    const expected = sim.ledger.expectedReadings();
    expect(expected.every((r) => !(r.deviceId === 'TCP-2' && r.seq >= skewFrom))).toBe(true);
  });

  it('reconnects when the server drops the connection, and when it goes away and comes back on the same port', async () => {
    let silent = true;
    const first = await mllpServer(0, { silent: () => silent });
    servers.push(first);
    const port = first.port;
    sim = createSimulation({
      devices: [{ id: 'TCP-3', transport: { kind: 'mllp-tcp', host: '127.0.0.1', port }, artefactRate: 0 }],
      schedule: false,
      reconnect: { minMs: 50, maxMs: 300 },
      seed: 'tcp-2',
    });
    await sim.start();
    await sim.waitConnected(5000);
    sim.sample('TCP-3', 2);
    await waitFor(() => first.receivers[0]?.messages.length === 1, { timeoutMs: 5000, intervalMs: 20, what: 'first message' });
    // The server drops the connection while message 0 waits for its ACK.
    silent = false;
    for (const s of first.sockets) s.destroy();
    await waitFor(() => first.receivers.length === 2, { timeoutMs: 5000, intervalMs: 20, what: 'the device to reconnect' });
    await sim.whenIdle(10_000);
    expect(sim.ledger.entries().map((e) => [e.kind, e.seq, e.ack.status])).toEqual([
      ['frame', 0, 'lost'],
      ['retransmit', 0, 'acked'],
      ['frame', 1, 'acked'],
    ]);

    // The whole server goes away; frames queue; it comes back on the same port.
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await waitFor(() => !sim!.status().devices[0]!.connected, { timeoutMs: 5000, intervalMs: 20, what: 'link down' });
    sim.sample('TCP-3', 2);
    const second = await mllpServer(port);
    servers.push(second);
    await sim.waitConnected(10_000);
    await sim.whenIdle(10_000);
    expect(sim.ledger.acknowledged().map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(second.receivers.flatMap((r) => r.messages.map((m) => m.controlId))).toEqual(['2', '3']);
  });
});
