import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnalyticsStream } from './stream.js';

/** A stand-in for the browser's WebSocket: records what is sent, lets the test play the server. */
class FakeSocket {
  static all: FakeSocket[] = [];
  static readonly OPEN = 1;
  readyState = 1;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {}
  server(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('AnalyticsStream', () => {
  it('asks the pages to re-read after a reconnect and after a server gap, not on the first connection', () => {
    const stream = new AnalyticsStream('token', 'ws://host/stream');
    const reasons: string[] = [];
    stream.onResync((r) => reasons.push(r));
    stream.subscribe({ query: 'patient-1m', departmentId: 'd1' }, () => undefined);

    const first = FakeSocket.all[0]!;
    first.onopen?.();
    expect(first.sent).toEqual([{ type: 'auth', token: 'token' }]);
    first.server({ type: 'ready' });
    expect(first.sent).toContainEqual({ type: 'subscribe', id: 's1', query: 'patient-1m', departmentId: 'd1' });
    expect(reasons).toEqual([]);

    first.server({ type: 'gap', reason: 'the change listener lost its PostgreSQL connection' });
    expect(reasons).toEqual(['the change listener lost its PostgreSQL connection']);

    first.onclose?.({ code: 1006, reason: '' });
    vi.advanceTimersByTime(10_000);
    const second = FakeSocket.all[1]!;
    second.onopen?.();
    second.server({ type: 'ready' });
    expect(second.sent).toContainEqual({ type: 'subscribe', id: 's1', query: 'patient-1m', departmentId: 'd1' });
    expect(reasons).toEqual(['the change listener lost its PostgreSQL connection', 'reconnected']);
  });

  it('does not reconnect or resync once the server refused the credential', () => {
    const stream = new AnalyticsStream('bad', 'ws://host/stream');
    const reasons: string[] = [];
    stream.onResync((r) => reasons.push(r));
    FakeSocket.all[0]!.onclose?.({ code: 4401, reason: 'unauthorised' });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(reasons).toEqual([]);
  });
});
