/**
 * Reading ids seen in a partition over a sliding window of arrival time: a raw record whose id is in the window
 * is a duplicate (an ingest retry) and is dropped. Memory is about 100 bytes per id: rate x window. Pure.
 */
export class DedupeWindow {
  /** Insertion order is arrival order, so the oldest entries are at the front. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  has(id: string): boolean {
    return this.seen.has(id);
  }

  /** Remembers an id at its arrival time; evicts what fell out of the window. */
  add(id: string, arrivalMs: number): void {
    if (!this.seen.has(id)) this.seen.set(id, arrivalMs);
    this.evict(arrivalMs);
  }

  evict(nowMs: number): void {
    const horizon = nowMs - this.windowMs;
    for (const [id, t] of this.seen) {
      if (t >= horizon) break;
      this.seen.delete(id);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
