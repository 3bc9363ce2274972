/**
 * Group commit: frames arriving close together share one SQLite transaction, so one fsync covers many frames.
 * A batch commits when it reaches `maxItems`, or `lingerMs` after its first item arrived, whichever is first;
 * each submitter is called back after its batch committed (that is when a frame may be acknowledged) or with
 * the error if the transaction failed (then nothing of the batch is stored and nothing may be acknowledged).
 */
import type { Clock, TimerHandle } from '@vitals/shared';
import { EdgeErrors } from '../errors.js';

export type CommitCallback<R> = (err: Error | null, result?: R) => void;

export interface GroupCommitOptions<I, R> {
  readonly clock: Clock;
  readonly lingerMs: number;
  readonly maxItems: number;
  /** Commits the items in one synchronous transaction and returns one result per item, or throws. */
  readonly commit: (items: readonly I[]) => readonly R[];
  /** Runs after each successful commit, before the callbacks (capacity checks, metrics). */
  readonly afterCommit?: (items: readonly I[], results: readonly R[], durationMs: number) => void;
  /** Receives exceptions thrown by callbacks or `afterCommit`; they never affect other submitters. */
  readonly onError?: (err: unknown) => void;
}

export class GroupCommitter<I, R> {
  private items: I[] = [];
  private callbacks: Array<CommitCallback<R>> = [];
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions<I, R>) {}

  /** Items waiting for the next commit. */
  get pending(): number {
    return this.items.length;
  }

  submit(item: I, cb: CommitCallback<R>): void {
    if (this.closed) {
      cb(EdgeErrors.EDGE_ERR_BUFFER_CLOSED());
      return;
    }
    this.items.push(item);
    this.callbacks.push(cb);
    if (this.items.length >= this.opts.maxItems) this.flush();
    else if (this.timer === undefined) {
      this.timer = this.opts.clock.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.opts.lingerMs);
    }
  }

  submitAsync(item: I): Promise<R> {
    return new Promise((resolve, reject) => this.submit(item, (err, r) => (err ? reject(err) : resolve(r as R))));
  }

  /** Commits what is pending now. */
  flush(): void {
    if (this.timer !== undefined) {
      this.opts.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.items.length === 0) return;
    const items = this.items;
    const callbacks = this.callbacks;
    this.items = [];
    this.callbacks = [];
    const started = this.opts.clock.now();
    let results: readonly R[];
    try {
      results = this.opts.commit(items);
    } catch (cause) {
      const err = EdgeErrors.EDGE_ERR_BUFFER_WRITE.withCause(cause, items.length, (cause as Error).message);
      for (const cb of callbacks) this.call(() => cb(err));
      return;
    }
    this.call(() => this.opts.afterCommit?.(items, results, this.opts.clock.now() - started));
    callbacks.forEach((cb, i) => this.call(() => cb(null, results[i])));
  }

  /** Commits what is pending and refuses further items. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
