import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import { FakeClock } from '../testing/fake-clock.js';
import { GroupCommitter } from './group-commit.js';

function setup(opts: { lingerMs?: number; maxItems?: number; fail?: boolean } = {}) {
  const clock = new FakeClock();
  const batches: number[][] = [];
  const committer = new GroupCommitter<number, string>({
    clock,
    lingerMs: opts.lingerMs ?? 2,
    maxItems: opts.maxItems ?? 100,
    commit: (items) => {
      if (opts.fail) throw new Error('disk I/O error');
      batches.push([...items]);
      return items.map((i) => `ok${i}`);
    },
  });
  const results: Array<[number, string | undefined, string | undefined]> = [];
  const submit = (i: number) =>
    committer.submit(i, (err, r) => results.push([i, r, err ? (err as { code?: string }).code : undefined]));
  return { clock, batches, committer, results, submit };
}

describe('group commit', () => {
  it('commits frames that arrive within the linger in one transaction, and calls back only after it', () => {
    const { clock, batches, results, submit } = setup({ lingerMs: 2 });
    submit(1);
    clock.advance(1);
    submit(2);
    submit(3);
    expect(batches).toEqual([]);
    expect(results).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(results).toEqual([
      [1, 'ok1', undefined],
      [2, 'ok2', undefined],
      [3, 'ok3', undefined],
    ]);
  });

  it('adds at most the linger to a lone frame', () => {
    const { clock, batches, submit } = setup({ lingerMs: 2 });
    submit(1);
    clock.advance(2);
    expect(batches).toEqual([[1]]);
    submit(2);
    clock.advance(1);
    expect(batches).toEqual([[1]]);
    clock.advance(1);
    expect(batches).toEqual([[1], [2]]);
  });

  it('commits at once when a batch is full, without waiting for the timer', () => {
    const { clock, batches, submit } = setup({ maxItems: 3 });
    for (let i = 1; i <= 7; i++) submit(i);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    clock.advance(2);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(clock.scheduled).toBe(0);
  });

  it('fails every frame of a failed transaction with a retriable code, and none is acknowledged', () => {
    const { clock, results, submit } = setup({ fail: true });
    submit(1);
    submit(2);
    clock.advance(2);
    expect(results).toEqual([
      [1, undefined, 'EDGE_ERR_BUFFER_WRITE'],
      [2, undefined, 'EDGE_ERR_BUFFER_WRITE'],
    ]);
  });

  it('flushes pending frames on close and refuses later ones', async () => {
    const { batches, committer, submit } = setup();
    submit(1);
    committer.close();
    expect(batches).toEqual([[1]]);
    const err = await committer.submitAsync(2).catch((e: unknown) => e);
    expect(isVitalsError(err, 'EDGE_ERR_BUFFER_CLOSED')).toBe(true);
  });

  it('keeps calling back the other frames when one callback throws', () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const seen: number[] = [];
    const c = new GroupCommitter<number, number>({
      clock,
      lingerMs: 1,
      maxItems: 10,
      commit: (items) => items,
      onError: (e) => errors.push(e),
    });
    c.submit(1, () => {
      throw new Error('bug in a handler');
    });
    c.submit(2, (_e, r) => seen.push(r!));
    clock.advance(1);
    expect(seen).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
