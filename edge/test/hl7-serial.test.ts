/**
 * HL7 over a serial line: a socat pseudo-terminal pair, the gateway on one end (EDGE_SERIAL_PORTS), a monitor
 * played by serialport on the other. AA after the commit, AE/AR with reasons, garbage skipped, and a cable
 * pull (socat killed) followed by the cable coming back: the gateway reopens the port by itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { encodeOru, waitFor, type OruObservationInput } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { startTestGateway, tempDir } from './support/gateway.js';
import { MllpPeer } from './support/mllp-peer.js';
import { ptyPair, type PtyPair } from './support/socat.js';

const oru = (deviceId: string, controlId: string, observations: OruObservationInput[]) =>
  encodeOru({ deviceId, controlId, messageTimeMs: Date.now(), observations });
const hr = (value: number): OruObservationInput[] => [{ metric: 'heart_rate', value, observedAtMs: Date.now() }];

async function openDeviceEnd(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 19200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

async function closePort(port: SerialPort | undefined): Promise<void> {
  if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

describe('HL7 over a serial port', () => {
  let dir: ReturnType<typeof tempDir>;
  let pty: PtyPair;
  let gw: Gateway | undefined;
  let monitor: SerialPort | undefined;

  beforeEach(async () => {
    dir = tempDir();
    pty = await ptyPair(dir.path);
  });
  afterEach(async () => {
    await closePort(monitor);
    monitor = undefined;
    await gw?.close();
    gw = undefined;
    await pty.close();
    dir.remove();
  });

  const serialState = () => gw!.status().then((s) => s.listeners.serial[0]!);
  const gatewayPort = (state: string) =>
    waitFor(async () => (await serialState()).state === state, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: `serial port ${state}`,
    });
  const startWithPort = () =>
    startTestGateway(dir.path, { serialPorts: [{ path: pty.gatewayEnd, baudRate: 19200 }], serialReconnect: 100 });

  it('acknowledges with AA after the commit, AE and AR with reasons, and skips garbage on the line', async () => {
    gw = await startWithPort();
    await gatewayPort('open');
    monitor = await openDeviceEnd(pty.deviceEnd);
    const peer = new MllpPeer(monitor);
    monitor.write(Buffer.from('line noise\r\n'));
    expect((await peer.exchange(oru('MON-S1', '1', hr(72)))).code).toBe('AA');
    const ae = await peer.exchange(oru('MON-S1', '2', hr(999)));
    expect(ae.code).toBe('AE');
    expect(ae.errorText).toContain('IMPLAUSIBLE_VALUE');
    const ar = await peer.exchange('MSH|^~\\&|MON-S1|W|GW|H|20260101||QRY^A19|3|P|2.6\r');
    expect(ar.code).toBe('AR');
    expect((await peer.exchange(oru('MON-S1', '4', hr(73)))).code).toBe('AA');
    expect(gw.store.counts.readings).toBe(2);
    const status = await gw.status();
    expect(status.ingest.garbageBytes).toBeGreaterThanOrEqual(12);
    expect(status.ingest.readingsIn).toEqual({ serial: 2 });
  });

  it('reopens the port after the cable is pulled and plugged back in, and takes messages again', async () => {
    gw = await startWithPort();
    await gatewayPort('open');
    monitor = await openDeviceEnd(pty.deviceEnd);
    expect((await new MllpPeer(monitor).exchange(oru('MON-S2', '1', hr(70)))).code).toBe('AA');
    expect(gw.state.presence('MON-S2')?.status).toBe('online');

    await closePort(monitor);
    await pty.pull();
    await gatewayPort('waiting');
    expect(gw.state.presence('MON-S2')?.status).toBe('offline');

    await pty.plugIn();
    await gatewayPort('open');
    expect((await serialState()).opens).toBe(2);
    monitor = await openDeviceEnd(pty.deviceEnd);
    expect((await new MllpPeer(monitor).exchange(oru('MON-S2', '2', hr(71)))).code).toBe('AA');
    expect(gw.store.counts.readings).toBe(2);
  });

  it('keeps both directions of the line moving when a monitor writes more than the line buffers while acknowledgements come back', async () => {
    // Full duplex under load: each round the monitor sends 20 messages and then 256 KiB of line noise, more
    // than the ttys buffer, so its write waits for room while acknowledgements arrive and its read waits for
    // data. serialport 13's poller watched only the event asked for last, so a read's wait could cancel a
    // pending write's and the line hung for good (found by the serial fuzz; fixed by
    // docker/patches/@serialport+bindings-cpp+13.0.0.patch, without which this test times out).
    gw = await startWithPort();
    await gatewayPort('open');
    monitor = await openDeviceEnd(pty.deviceEnd);
    const port = monitor;
    const peer = new MllpPeer(port);
    const write = (bytes: Buffer) =>
      new Promise<void>((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : resolve())));
    const from = Date.now() - 60_000;
    let seq = 0;
    for (let round = 0; round < 40; round++) {
      for (let k = 0; k < 20; k++) {
        seq++;
        peer.send(oru('MON-S4', String(seq), [{ metric: 'heart_rate', value: 60 + (seq % 40), observedAtMs: from + seq }]));
      }
      await write(Buffer.alloc(256 * 1024, 0x41));
      await peer.waitForAcks(seq, 20_000);
    }
    const acks = await peer.waitForAcks(seq);
    expect(acks.filter((a) => a.code !== 'AA').slice(0, 3)).toEqual([]);
    expect(acks.map((a) => a.controlId)).toEqual(Array.from({ length: seq }, (_, i) => String(i + 1)));
    expect(gw.store.counts.readings).toBe(seq);
  });

  it('keeps retrying a configured port that does not exist yet', async () => {
    await pty.pull();
    gw = await startWithPort();
    await gatewayPort('waiting');
    expect((await serialState()).lastError).toMatch(/EDGE_ERR_SERIAL_OPEN|cannot open serial port/);
    await pty.plugIn();
    await gatewayPort('open');
    monitor = await openDeviceEnd(pty.deviceEnd);
    expect((await new MllpPeer(monitor).exchange(oru('MON-S3', '1', hr(70)))).code).toBe('AA');
  });
});
