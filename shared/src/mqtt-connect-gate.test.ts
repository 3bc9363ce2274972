import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createConnectGate } from './mqtt-connect-gate.js';

describe('connect gate', () => {
  it('holds a hook until the CONNECT is decided, then runs it; after that at once', async () => {
    const gate = createConnectGate<object>();
    const client = {};
    const ran: string[] = [];
    gate.begin(client, new EventEmitter());
    gate.afterConnect(client, () => ran.push('early'));
    await Promise.resolve();
    expect(ran).toEqual([]);
    gate.end(client);
    await Promise.resolve();
    expect(ran).toEqual(['early']);
    gate.afterConnect(client, () => ran.push('late'));
    expect(ran).toEqual(['early', 'late']);
  });

  it('releases a held hook when the connection closes before authentication ends', async () => {
    const gate = createConnectGate<object>();
    const client = {};
    const conn = new EventEmitter();
    let ran = false;
    gate.begin(client, conn);
    gate.afterConnect(client, () => (ran = true));
    conn.emit('close');
    await Promise.resolve();
    expect(ran).toBe(true);
  });

  it('runs at once for a client it never saw', () => {
    let ran = false;
    createConnectGate<object>().afterConnect({}, () => (ran = true));
    expect(ran).toBe(true);
  });
});
