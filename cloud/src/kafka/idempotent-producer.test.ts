import { describe, expect, it } from 'vitest';
import { chunkRequests } from './idempotent-producer.js';

const msg = (n: number, size = 100) => ({ key: `k${n}`, value: 'x'.repeat(size) });

describe('request chunking', () => {
  it('keeps every message, in order, and no request above the byte bound (unless one message alone is)', () => {
    const sends = [
      { topic: 'a', messages: [msg(1), msg(2), msg(3)] },
      { topic: 'b', messages: [msg(4), msg(5, 1_000)] },
    ];
    const requests = [...chunkRequests(sends, 400)];
    const flat = requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.key)}`)));
    expect(flat).toEqual(['a:k1', 'a:k2', 'a:k3', 'b:k4', 'b:k5']);
    expect(requests.length).toBeGreaterThan(1);
    const last = requests[requests.length - 1]!;
    expect(last).toEqual([{ topic: 'b', messages: [expect.objectContaining({ key: 'k5' })] }]);
  });
});
