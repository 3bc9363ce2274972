/**
 * HL7 monitors on a serial line: a socat pseudo-terminal pair, the device on one end, a test-side receiver
 * on the other that deframes MLLP and answers with ACKs. The ledger records AA, AE and timeouts; a cable
 * pull (socat killed) loses what was waiting for its ACK, and the device reconnects when the pty returns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { waitFor } from '@vitals/shared';
import { createSimulation, type Simulation } from '../src/index.js';
import { attachHl7Receiver, createPtyPair, type Hl7Receiver, type PtyPair } from '../src/testing/index.js';

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

function closePort(port: SerialPort | undefined): Promise<void> {
  return new Promise((resolve) => (port?.isOpen ? port.close(() => resolve()) : resolve()));
}

describe('HL7 over a serial line (socat pty pair)', () => {
  let pty: PtyPair | undefined;
  let port: SerialPort | undefined;
  let sim: Simulation | undefined;

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    await closePort(port);
    port = undefined;
    await pty?.close();
    pty = undefined;
  });

  it('records the receiver’s AA and AE per message, and a timeout when no ACK comes', async () => {
    pty = await createPtyPair();
    port = await openPort(pty.b);
    // AE for the message with control id 2 (seq 2); no answer at all for seq 4.
    const rx = attachHl7Receiver(port, (m) =>
      m.controlId === '2' ? { code: 'AE', text: 'IMPLAUSIBLE_VALUE' } : m.controlId === '4' ? 'none' : { code: 'AA' },
    );
    sim = createSimulation({
      devices: [{ id: 'SER-1', transport: { kind: 'serial', path: pty.a, baudRate: 115200 }, artefactRate: 0 }],
      schedule: false,
      ackTimeoutMs: 1500,
      seed: 'serial-1',
    });
    await sim.start();
    await sim.waitConnected(5000);
    sim.sample('SER-1', 6);
    sim.fault({ type: 'malformed', kind: 'garbage' }, 'SER-1');
    sim.fault({ type: 'malformed', kind: 'broken-hl7' }, 'SER-1');
    sim.fault({ type: 'malformed', kind: 'implausible-value' }, 'SER-1');
    await sim.whenIdle(20_000);

    const outcomes = sim.ledger.entries().map((e) => [e.kind, e.seq, e.controlId ?? null, e.ack.status, e.ack.code ?? null]);
    expect(outcomes).toEqual([
      ['frame', 0, '0', 'acked', 'AA'],
      ['frame', 1, '1', 'acked', 'AA'],
      ['frame', 2, '2', 'rejected', 'AE'],
      ['frame', 3, '3', 'acked', 'AA'],
      ['frame', 4, '4', 'timeout', null],
      ['frame', 5, '5', 'acked', 'AA'],
      ['malformed', null, null, 'not-expected', null],
      ['malformed', null, null, 'rejected', 'AR'],
      ['malformed', 6, '6', 'acked', 'AA'], // this receiver does not check values: the ledger says what happened
    ]);
    expect(sim.ledger.entries()[2]!.ack.text).toMatch(/IMPLAUSIBLE_VALUE/);
    expect(rx.messages.map((m) => m.controlId)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(rx.messages[0]!.deviceId).toBe('SER-1');
    expect(rx.broken).toHaveLength(1);
    expect(rx.garbageBytes).toBeGreaterThan(0);
    expect(sim.ledger.acknowledged().map((e) => e.seq)).toEqual([0, 1, 3, 5]);
  });

  it('survives a cable pull: what waited for its ACK is lost and sent again once the pty is back', async () => {
    pty = await createPtyPair();
    port = await openPort(pty.b);
    let rx: Hl7Receiver = attachHl7Receiver(port, () => 'none'); // never answers: the message stays in flight
    sim = createSimulation({
      devices: [{ id: 'SER-2', transport: { kind: 'serial', path: pty.a }, artefactRate: 0 }],
      schedule: false,
      ackTimeoutMs: 30_000,
      reconnect: { minMs: 50, maxMs: 300 },
      seed: 'serial-2',
    });
    await sim.start();
    await sim.waitConnected(5000);
    sim.sample('SER-2', 3);
    await waitFor(() => rx.messages.length === 1, { timeoutMs: 5000, intervalMs: 20, what: 'first message at the receiver' });

    await pty.pull();
    await closePort(port);
    await waitFor(() => !sim!.status().devices[0]!.connected, { timeoutMs: 5000, intervalMs: 20, what: 'the device to notice' });
    expect(sim.ledger.entries()[0]!.ack).toMatchObject({ status: 'lost', reason: 'disconnect' });

    // The pty returns; the receiver opens its end first (its open flushes what arrived before).
    await pty.plug(async () => {
      port = await openPort(pty!.b);
      rx = attachHl7Receiver(port);
    });
    await sim.waitConnected(10_000);
    await sim.whenIdle(10_000);
    expect(sim.ledger.entries().map((e) => [e.kind, e.seq, e.ack.status])).toEqual([
      ['frame', 0, 'lost'],
      ['retransmit', 0, 'acked'],
      ['frame', 1, 'acked'],
      ['frame', 2, 'acked'],
    ]);
    expect(sim.ledger.entries()[1]!.of).toBe(sim.ledger.entries()[0]!.id);
    expect(rx.messages.map((m) => m.controlId)).toEqual(['0', '1', '2']);
  });
});
