import { describe, expect, it } from 'vitest';
import { decodeChangeEvent } from './debezium.js';

const source = { ts_ms: 1_795_000_000_000, schema: 'public', table: 'patients' };

describe('decodeChangeEvent', () => {
  it('decodes snapshot reads, creates and updates as upserts with the commit time', () => {
    for (const op of ['r', 'c', 'u'] as const) {
      const e = decodeChangeEvent('{"id":"p1"}', JSON.stringify({ before: null, after: { id: 'p1', mrn: 'M' }, source, op }));
      expect(e).toMatchObject({
        kind: 'upsert',
        op,
        key: { id: 'p1' },
        row: { id: 'p1', mrn: 'M' },
        committedAtMs: source.ts_ms,
      });
    }
  });

  it('decodes deletes with the old row and tombstones', () => {
    expect(
      decodeChangeEvent('{"id":"p1"}', JSON.stringify({ before: { id: 'p1' }, after: null, source, op: 'd' })),
    ).toMatchObject({
      kind: 'delete',
      before: { id: 'p1' },
    });
    expect(decodeChangeEvent(Buffer.from('{"id":"p1"}'), null)).toEqual({ kind: 'tombstone', key: { id: 'p1' } });
  });

  it('unwraps the schemas-enabled form', () => {
    const e = decodeChangeEvent(
      JSON.stringify({ schema: {}, payload: { id: 'p2' } }),
      JSON.stringify({ schema: {}, payload: { before: null, after: { id: 'p2' }, source, op: 'c' } }),
    );
    expect(e).toMatchObject({ kind: 'upsert', key: { id: 'p2' } });
  });

  it('never throws on garbage', () => {
    expect(decodeChangeEvent('{', '{}').kind).toBe('malformed');
    expect(decodeChangeEvent('{"id":1}', 'not json').kind).toBe('malformed');
    expect(decodeChangeEvent('{"id":1}', '[1,2]').kind).toBe('malformed');
    expect(decodeChangeEvent('{"id":1}', JSON.stringify({ op: 'c', source })).kind).toBe('malformed');
    expect(decodeChangeEvent('{"id":1}', JSON.stringify({ op: 'c', after: {} })).kind).toBe('malformed');
    expect(decodeChangeEvent(null, null).kind).toBe('malformed');
    expect(decodeChangeEvent('{"id":1}', JSON.stringify({ op: 't', source })).kind).toBe('ignored');
  });
});
