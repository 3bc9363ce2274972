/** The simulation's bookkeeping over an in-memory link (the real links have integration tests in ../test). */
import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import type { DeviceLink, LinkHandlers, OutboundMessage, SendOutcome } from './links/link.js';
import { createSimulation, type DeviceSpec, type SimulationOptions } from './simulation.js';
import { createFakeClock } from './testing/fake-clock.js';

interface MemoryLink extends DeviceLink {
  readonly sent: Array<{ msg: OutboundMessage; answer: (o: SendOutcome) => void }>;
  up(): void;
  settings(s: { samplingIntervalMs: number }): void;
}

function memoryLink(kind: DeviceLink['kind'], handlers: LinkHandlers): MemoryLink {
  let connected = false;
  const sent: MemoryLink['sent'] = [];
  const pending = new Set<(o: SendOutcome) => void>();
  return {
    kind,
    target: 'memory',
    sent,
    get connected() {
      return connected;
    },
    open() {
      connected = true;
      handlers.onUp();
    },
    up() {
      connected = true;
      handlers.onUp();
    },
    settings(s) {
      handlers.onSettings?.(s);
    },
    send(msg) {
      return new Promise((resolve) => {
        const answer = (o: SendOutcome) => {
          if (pending.delete(answer)) resolve(o);
        };
        pending.add(answer);
        sent.push({ msg, answer });
      });
    },
    drop(reason) {
      connected = false;
      for (const a of [...pending]) a({ status: 'lost', reason });
      handlers.onDown(reason);
    },
    async close() {
      connected = false;
      for (const a of [...pending]) a({ status: 'lost', reason: 'stopped' });
    },
  };
}

function setup(devices: DeviceSpec[], options: Partial<SimulationOptions> = {}) {
  const clock = createFakeClock(Date.UTC(2026, 0, 1, 9));
  const links = new Map<string, MemoryLink>();
  const sim = createSimulation(
    { devices, schedule: false, drainTimeoutMs: 1000, ...options },
    {
      clock,
      createLink: (spec, ctx) => {
        const l = memoryLink(spec.transport.kind, ctx.handlers);
        links.set(spec.id, l);
        return l;
      },
    },
  );
  const link = (id: string) => links.get(id)!;
  /** Stops; sends still unanswered make the drain wait, so let its (fake) deadline pass. */
  const stop = () => {
    const done = sim.stop();
    clock.advance(1000);
    return done;
  };
  return { clock, sim, link, stop };
}

const mqttDevice = (id: string, over: Partial<DeviceSpec> = {}): DeviceSpec => ({
  id,
  transport: { kind: 'mqtt', url: 'mqtt://unused' },
  artefactRate: 0,
  ...over,
});
const serialDevice = (id: string): DeviceSpec => ({
  id,
  transport: { kind: 'serial', path: `/dev/null-${id}` },
  artefactRate: 0,
});
const body = (m: OutboundMessage) => JSON.parse(m.bytes.toString('utf8')) as { seq: number; measuredAt: string; metrics: object };
/** Lets the promise callbacks of answered sends run. */
const flush = () => new Promise((r) => setImmediate(r));

describe('simulation bookkeeping', () => {
  it('keeps at most maxInflight sends waiting and sends the next frame when one is answered', async () => {
    const { sim, link, stop } = setup([mqttDevice('A', { maxInflight: 2 })]);
    await sim.start();
    sim.sample('A', 5);
    expect(link('A').sent.map((s) => body(s.msg).seq)).toEqual([0, 1]);
    link('A').sent[0]!.answer({ status: 'acked', code: 'PUBACK' });
    await flush();
    expect(link('A').sent.map((s) => body(s.msg).seq)).toEqual([0, 1, 2]);
    expect(sim.status().devices[0]).toMatchObject({ inflight: 2, queued: 2, nextSeq: 5 });
    expect(sim.ledger.acknowledged().map((e) => e.seq)).toEqual([0]);
    await stop();
  });

  it('sends a duplicate as the same frame (same bytes, seq and measuredAt) and records it as one', async () => {
    const { sim, link, stop } = setup([mqttDevice('A')]);
    await sim.start();
    sim.sample('A');
    sim.fault({ type: 'duplicate', count: 2 }, 'A');
    const [orig, d1, d2] = link('A').sent;
    expect(d1!.msg.bytes.equals(orig!.msg.bytes)).toBe(true);
    expect(d2!.msg.bytes.equals(orig!.msg.bytes)).toBe(true);
    for (const s of link('A').sent) s.answer({ status: 'acked', code: 'PUBACK' });
    await flush();
    const [e0, e1, e2] = sim.ledger.entries();
    expect([e0!.kind, e1!.kind, e2!.kind]).toEqual(['frame', 'duplicate', 'duplicate']);
    expect(e1).toMatchObject({ seq: e0!.seq, measuredAt: e0!.measuredAt, of: e0!.id });
    expect(sim.ledger.acknowledged()).toHaveLength(1);
    await stop();
  });

  it('retransmits, in order, the frames whose link went down before their answer, after reconnecting', async () => {
    const { sim, link, stop } = setup([mqttDevice('A')]);
    await sim.start();
    sim.sample('A', 3);
    link('A').sent[0]!.answer({ status: 'acked', code: 'PUBACK' });
    sim.fault({ type: 'disconnect' }, 'A');
    await flush();
    sim.sample('A'); // queued while down
    expect(link('A').sent).toHaveLength(3);
    link('A').up();
    expect(
      link('A')
        .sent.slice(3)
        .map((s) => body(s.msg).seq),
    ).toEqual([1, 2, 3]);
    const entries = sim.ledger.entries();
    expect(entries.map((e) => [e.seq, e.kind, e.ack.status])).toEqual([
      [0, 'frame', 'acked'],
      [1, 'frame', 'lost'],
      [2, 'frame', 'lost'],
      [1, 'retransmit', 'pending'],
      [2, 'retransmit', 'pending'],
      [3, 'frame', 'pending'],
    ]);
    expect(entries[3]!.of).toBe(entries[1]!.id);
    expect(entries[1]!.ack.reason).toBe('disconnect fault');
    await stop();
  });

  it('reboots: a new boot from seq 0, unanswered and queued frames are gone (not retransmitted)', async () => {
    const { sim, link, stop } = setup([mqttDevice('A', { maxInflight: 1 })]);
    await sim.start();
    sim.sample('A', 3); // seq 0 in flight, 1 and 2 queued
    sim.fault({ type: 'reboot' }, 'A');
    await flush();
    link('A').up();
    sim.sample('A');
    const last = link('A').sent.at(-1)!;
    expect(body(last.msg).seq).toBe(0);
    expect(sim.status().devices[0]).toMatchObject({ boot: 1, nextSeq: 1, dropped: 2 });
    expect(sim.ledger.entries().map((e) => [e.boot, e.seq, e.kind, e.ack.status])).toEqual([
      [0, 0, 'frame', 'lost'],
      [1, 0, 'frame', 'pending'],
    ]);
    await stop();
  });

  it('offsets measuredAt by a clock skew and records the skew', async () => {
    const { sim, link, clock, stop } = setup([mqttDevice('A')]);
    await sim.start();
    sim.fault({ type: 'clock-skew', offsetMs: -90_000 }, 'A');
    sim.sample('A');
    expect(body(link('A').sent[0]!.msg).measuredAt).toBe(new Date(clock.now() - 90_000).toISOString());
    expect(sim.ledger.entries()[0]).toMatchObject({ skewMs: -90_000, measuredAtMs: clock.now() - 90_000 });
    await stop();
  });

  it('records malformed sends as malformed, with the sequence number they used up', async () => {
    const { sim, link, stop } = setup([mqttDevice('A'), serialDevice('S')]);
    await sim.start();
    sim.sample('A');
    sim.fault({ type: 'malformed', kind: 'implausible-value' }, 'A');
    sim.sample('A');
    expect(link('A').sent.map((s) => body(s.msg).seq)).toEqual([0, 1, 2]);
    expect(sim.ledger.malformed()).toMatchObject([{ seq: 1, malformed: 'implausible-value', metrics: { heart_rate: 999 } }]);
    try {
      sim.fault({ type: 'malformed', kind: 'broken-hl7' }, 'A');
      expect.unreachable();
    } catch (err) {
      expect(isVitalsError(err, 'SIM_ERR_FAULT_UNSUPPORTED')).toBe(true);
    }
    sim.fault({ type: 'malformed', kind: 'garbage' }, 'S');
    expect(link('S').sent[0]!.msg.expectAck).toBe(false);
    await stop();
  });

  it('batches MQTT frames into an array message; its entries share the message id and the outcome', async () => {
    const { sim, link, stop } = setup([mqttDevice('A', { batch: 3, maxInflight: 1 })]);
    await sim.start();
    sim.sample('A', 4); // seq 0 goes alone (window empty), then 1-3 wait and go together
    link('A').sent[0]!.answer({ status: 'acked', code: 'PUBACK' });
    await flush();
    const second = JSON.parse(link('A').sent[1]!.msg.bytes.toString()) as Array<{ seq: number }>;
    expect(second.map((f) => f.seq)).toEqual([1, 2, 3]);
    link('A').sent[1]!.answer({ status: 'acked', code: 'PUBACK' });
    await flush();
    const entries = sim.ledger.entries();
    expect(new Set(entries.slice(1).map((e) => e.messageId)).size).toBe(1);
    expect(sim.ledger.acknowledged().map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    await stop();
  });

  it('numbers HL7 messages by seq in MSH-10 and stops after draining what was queued', async () => {
    const { sim, link, stop } = setup([serialDevice('S')]);
    await sim.start();
    sim.sample('S', 2);
    expect(link('S').sent.map((s) => s.msg.controlId)).toEqual(['0']);
    link('S').sent[0]!.answer({ status: 'acked', code: 'AA' });
    await flush();
    link('S').sent[1]!.answer({ status: 'rejected', code: 'AE', text: 'IMPLAUSIBLE_VALUE' });
    const counts = await stop();
    expect(counts.byStatus).toMatchObject({ acked: 1, rejected: 1, pending: 0 });
    expect(sim.ledger.entries()[1]!.ack).toMatchObject({ code: 'AE', text: 'IMPLAUSIBLE_VALUE' });
  });

  it('records an HL7 ACK timeout as such, and sends the frame again only when told to', async () => {
    for (const retransmitTimedOut of [false, true]) {
      const { sim, link, stop } = setup([serialDevice('S')], { retransmitTimedOut });
      await sim.start();
      sim.sample('S');
      link('S').sent[0]!.answer({ status: 'timeout', reason: 'no ACK within 10000 ms' });
      await flush();
      expect(link('S').sent.map((s) => s.msg.controlId)).toEqual(retransmitTimedOut ? ['0', '0'] : ['0']);
      expect(sim.ledger.entries().map((e) => [e.kind, e.ack.status])).toEqual(
        retransmitTimedOut
          ? [
              ['frame', 'timeout'],
              ['retransmit', 'pending'],
            ]
          : [['frame', 'timeout']],
      );
      await stop();
    }
  });

  it('samples on the schedule at the rate set, shares a total rate across devices, and honours received settings', async () => {
    const { sim, link, clock, stop } = setup([mqttDevice('A'), mqttDevice('B')], { schedule: true, rate: { total: 4 } });
    await sim.start();
    clock.advance(10_000);
    // 2 frames/s each over 10 s, the first at start (A) or half an interval later (B).
    expect(sim.status().devices.map((d) => d.ticks)).toEqual([21, 20]);
    sim.setRate({ perDevice: 10 });
    link('B').settings({ samplingIntervalMs: 1000 });
    clock.advance(10_000);
    expect(sim.status().devices.map((d) => d.intervalMs)).toEqual([100, 1000]);
    expect(sim.status().devices.map((d) => d.ticks)).toEqual([121, 30]);
    await stop();
  });

  it('rejects bad options with SIM_ERR_INVALID_OPTIONS', () => {
    for (const devices of [[], [mqttDevice('A'), mqttDevice('A')], [mqttDevice('bad id!')]]) {
      try {
        createSimulation({ devices });
        expect.unreachable();
      } catch (err) {
        expect(isVitalsError(err, 'SIM_ERR_INVALID_OPTIONS')).toBe(true);
      }
    }
  });
});
