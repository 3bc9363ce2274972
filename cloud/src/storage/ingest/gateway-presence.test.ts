import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Clock } from '@vitals/shared';
import type { Queryable } from '../../db/transaction.js';
import { createGatewayPresence } from './gateway-presence.js';

function setup(fail = false) {
  let now = 1_000_000;
  const calls: unknown[][] = [];
  const db = {
    query: async (q: { values: unknown[] }) => {
      calls.push(q.values);
      if (fail) throw new Error('connection refused');
      return { rows: [], rowCount: 1 };
    },
  } as unknown as Queryable;
  const clock = { now: () => now } as Clock;
  const presence = createGatewayPresence({ db, clock, log: pino({ level: 'silent' }), intervalMs: 30_000 });
  return { presence, calls, advance: (ms: number) => (now += ms) };
}

describe('gateway presence', () => {
  it('writes once per gateway per interval', async () => {
    const s = setup();
    s.presence.seen('gw-a');
    s.presence.seen('gw-a');
    s.presence.seen('gw-b');
    s.advance(29_999);
    s.presence.seen('gw-a');
    await s.presence.settle();
    expect(s.calls).toEqual([
      ['gw-a', 30],
      ['gw-b', 30],
    ]);
    s.advance(1);
    s.presence.seen('gw-a');
    await s.presence.settle();
    expect(s.calls).toHaveLength(3);
  });

  it('tries again at the next batch after a failed write, without throwing', async () => {
    const s = setup(true);
    s.presence.seen('gw-a');
    await s.presence.settle();
    s.presence.seen('gw-a');
    await s.presence.settle();
    expect(s.calls).toHaveLength(2);
  });
});
