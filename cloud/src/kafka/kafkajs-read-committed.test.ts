/**
 * Regression: kafkajs 2.2.4 assumes the broker lists a fetch's aborted transactions sorted by first offset. It
 * does not, so records of an aborted transaction listed after a later one leaked into read_committed
 * consumers (seen as duplicates after an enricher was killed). docker/patches/kafkajs+2.2.4.patch sorts them;
 * this test fails if the patch is not applied.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as (args: {
  messages: Array<{ offset: string; key: Buffer | null; batchContext: { producerId: string; inTransaction: boolean } }>;
  abortedTransactions: Array<{ producerId: string; firstOffset: string }>;
}) => Array<{ offset: string }>;

const msg = (offset: number, producerId: string, abortMarker = false) => ({
  offset: String(offset),
  key: abortMarker ? Buffer.from([0, 0, 0, 0]) : Buffer.from('k'),
  batchContext: { producerId, inTransaction: true },
});

describe('kafkajs read_committed filtering (patched)', () => {
  it('drops records of aborted transactions listed out of order', () => {
    const messages = [
      msg(10, 'committed'),
      msg(11, 'A'),
      msg(12, 'committed'),
      msg(13, 'B'),
      msg(14, 'A', true),
      msg(15, 'B', true),
      msg(16, 'committed'),
    ];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { producerId: 'B', firstOffset: '13' },
        { producerId: 'A', firstOffset: '11' },
      ],
    }).map((m) => Number(m.offset));
    expect(kept).toEqual([10, 12, 14, 15, 16]);
  });

  it('enters every aborted transaction that starts before one record', () => {
    const messages = [msg(20, 'A'), msg(21, 'B'), msg(22, 'A', true), msg(23, 'B', true)];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { producerId: 'A', firstOffset: '5' },
        { producerId: 'B', firstOffset: '6' },
      ],
    }).map((m) => Number(m.offset));
    expect(kept).toEqual([22, 23]);
  });
});
