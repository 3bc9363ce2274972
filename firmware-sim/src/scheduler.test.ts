import { describe, expect, it } from 'vitest';
import { createFakeClock } from './testing/fake-clock.js';
import { createTickScheduler, intervalOfRate } from './scheduler.js';

function setup(intervalMs: number, lateness?: () => number, phaseMs = 0) {
  const clock = createFakeClock(1_000_000, lateness);
  const ticks: number[] = [];
  const s = createTickScheduler({ clock, intervalMs, phaseMs, onTick: (at) => ticks.push(at) });
  return { clock, ticks, s };
}

describe('tick scheduler', () => {
  it('ticks at exact multiples of the interval from the start', () => {
    const { clock, ticks, s } = setup(250);
    s.start();
    clock.advance(1000);
    expect(ticks).toEqual([0, 250, 500, 750, 1000].map((d) => 1_000_000 + d));
  });

  it('does not drift when every timer fires late: due times stay on the grid and none is lost', () => {
    let k = 0;
    const lateness = () => [7, 0, 19, 3, 11][k++ % 5]!;
    const { clock, ticks, s } = setup(100, lateness);
    s.start();
    clock.advance(60_000);
    expect(ticks.length).toBe(600); // 0..59_900 (the tick due at 60_000 fires late, after the window)
    ticks.forEach((t, i) => expect(t).toBe(1_000_000 + i * 100));
  });

  it('keeps a fractional interval exact over a long run (3 frames a second)', () => {
    const { clock, ticks, s } = setup(intervalOfRate(3));
    s.start();
    clock.advance(3_600_000);
    expect(ticks.length).toBe(3 * 3600 + 1);
    expect(ticks.at(-1)).toBe(1_000_000 + 3_600_000);
  });

  it('catches up with every due tick after a stall, in bursts that yield between them', () => {
    let first = true;
    const clock = createFakeClock(0, () => (first ? ((first = false), 1000) : 0));
    const ticks: number[] = [];
    const s = createTickScheduler({ clock, intervalMs: 10, maxBurst: 7, onTick: (at) => ticks.push(at) });
    s.start(); // the first timer fires 1 s late, as after a long pause of the event loop
    clock.advance(999);
    expect(ticks).toEqual([]);
    clock.advance(1);
    expect(ticks.length).toBe(101);
    ticks.forEach((t, i) => expect(t).toBe(i * 10));
  });

  it('changes rate from the next tick on, without a burst or a gap', () => {
    const { clock, ticks, s } = setup(100);
    s.start();
    clock.advance(350); // ticks at 0,100,200,300
    s.setIntervalMs(50);
    clock.advance(200); // now 550: ticks at 350,400,450,500,550
    expect(ticks.map((t) => t - 1_000_000)).toEqual([0, 100, 200, 300, 350, 400, 450, 500, 550]);
  });

  it('pauses at an infinite interval (rate 0) and resumes at once, without the missed ticks', () => {
    const { clock, ticks, s } = setup(100);
    s.start();
    clock.advance(100); // 0, 100
    s.setIntervalMs(intervalOfRate(0));
    clock.advance(10_000);
    expect(ticks.length).toBe(2);
    s.setIntervalMs(1000); // now 10_100
    clock.advance(2000);
    expect(ticks.map((t) => t - 1_000_000)).toEqual([0, 100, 10_100, 11_100, 12_100]);
  });

  it('spreads devices with a phase and stops cleanly', () => {
    const { clock, ticks, s } = setup(100, undefined, 40);
    s.start();
    clock.advance(250);
    expect(ticks.map((t) => t - 1_000_000)).toEqual([40, 140, 240]);
    s.stop();
    clock.advance(1000);
    expect(ticks.length).toBe(3);
    expect(clock.pending).toBe(0);
  });
});
