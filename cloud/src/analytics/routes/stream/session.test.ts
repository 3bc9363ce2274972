import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../../engine/test-fixtures.js';
import { createAnalyticsMetrics } from '../../metrics.js';
import { ChangeHub } from '../../push/change-hub.js';
import type { WindowReader } from '../../read/window-reader.js';
import { CLOSE, parseClientMessage } from './protocol.js';
import { StreamSession, type StreamDeps } from './session.js';

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: [number, string] | undefined;
  terminated = false;
  send(data: string) {
    this.sent.push(data);
  }
  close(code: number, reason: string) {
    this.closedWith = [code, reason];
  }
  terminate() {
    this.terminated = true;
  }
}

function session(o: { maxBufferedBytes?: number } = {}) {
  const clock = new ManualClock(0);
  const socket = new FakeSocket();
  const hub = new ChangeHub([]);
  const deps: StreamDeps = {
    authenticator: { authenticate: async () => ({ kind: 'jwt', id: 'x', role: 'clinician', customerId: 'c', gatewayId: null }) },
    reader: {} as WindowReader,
    hub,
    queries: new Map(),
    clock,
    log: pino({ level: 'silent' }),
    metrics: createAnalyticsMetrics(new Registry()),
    maxBufferedBytes: o.maxBufferedBytes ?? 1_000,
    maxSubscriptions: 2,
    authTimeoutMs: 5_000,
  };
  return { s: new StreamSession(socket as unknown as WebSocket, deps, deps.log), socket, clock };
}

describe('stream session', () => {
  it('drops a slow client with a reason instead of buffering without bound', async () => {
    const { s, socket, clock } = session({ maxBufferedBytes: 100 });
    s.send({ type: 'gap', reason: 'x' });
    expect(socket.sent).toHaveLength(1);
    socket.bufferedAmount = 101;
    s.send({ type: 'gap', reason: 'y' });
    expect(socket.sent).toHaveLength(1);
    expect(socket.closedWith?.[0]).toBe(CLOSE.slowConsumer);
    expect(socket.closedWith?.[1]).toMatch(/^ANALYTICS_ERR_WS_SLOW_CONSUMER: slow consumer: more than 100 bytes unsent/);
    expect(Buffer.byteLength(socket.closedWith![1])).toBeLessThanOrEqual(123);
    s.send({ type: 'gap', reason: 'z' });
    expect(socket.sent).toHaveLength(1);
    await clock.advance(2_000);
    expect(socket.terminated).toBe(true);
  });

  it('closes a connection that does not authenticate in time', async () => {
    const { s, socket, clock } = session();
    s.awaitAuth();
    await clock.advance(4_999);
    expect(socket.closedWith).toBeUndefined();
    await clock.advance(1);
    expect(socket.closedWith?.[0]).toBe(CLOSE.unauthenticated);
    expect(JSON.parse(socket.sent[0]!)).toMatchObject({ type: 'error', code: 'ANALYTICS_ERR_WS_AUTH_TIMEOUT' });
  });

  it('an authenticated connection is not timed out', async () => {
    const { s, socket, clock } = session();
    s.awaitAuth();
    s.authenticated({ kind: 'jwt', id: 'x', role: 'clinician', customerId: 'c', gatewayId: null });
    await clock.advance(10_000);
    expect(socket.closedWith).toBeUndefined();
  });
});

describe('stream protocol', () => {
  it('parses the three client messages and says what is wrong with anything else', () => {
    expect(parseClientMessage('{"type":"auth","token":"vk_0123456789abcdef"}').ok).toBe(true);
    expect(
      parseClientMessage('{"type":"subscribe","id":"s","query":"q","patientId":"00000000-0000-4000-8000-000000000001"}').ok,
    ).toBe(true);
    expect(parseClientMessage('{"type":"unsubscribe","id":"s"}').ok).toBe(true);
    expect(parseClientMessage('nope')).toEqual({ ok: false, problem: 'not JSON' });
    expect(parseClientMessage('{"type":"publish"}')).toEqual({
      ok: false,
      problem: 'type must be auth, subscribe or unsubscribe',
    });
    const bad = parseClientMessage('{"type":"subscribe","id":"s","query":"q","patientId":"x","extra":1}');
    expect(bad.ok).toBe(false);
  });
});
