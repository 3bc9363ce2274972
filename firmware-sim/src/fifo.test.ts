import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('fifo', () => {
  it('keeps order through pushes, shifts, front insertions and compaction', () => {
    const q = new Fifo<number>();
    const model: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      model.push(i);
      if (i % 3 === 0) expect(q.shift()).toBe(model.shift());
      if (i % 7 === 0) {
        q.unshift(-i);
        model.unshift(-i);
      }
    }
    expect(q.length).toBe(model.length);
    const out: number[] = [];
    for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
    expect(out).toEqual(model);
    expect(q.peek()).toBeUndefined();
  });
});
