/**
 * The one way into the buffer for every ingestion path: a decoded unit goes to the group committer; after its
 * transaction commits, the counters move, rejections are logged, committed readings go to the local state
 * (alarms, nurses' view), the buffer is held to its size, and the forwarder is woken. Only then is the
 * submitter called back, which is when it may acknowledge.
 */
import type { Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import type { BufferMaintenance } from '../buffer/buffer-maintenance.js';
import { GroupCommitter, type CommitCallback } from '../buffer/group-commit.js';
import type { ReadingStore } from '../buffer/reading-store.js';
import type { LocalState } from '../local-state.js';
import type { EdgeMetrics } from '../metrics.js';
import type { CommittedReading, IngestUnit, Rejection, UnitResult } from './types.js';

const REJECTION_LOG_EVERY_MS = 10_000;

export interface IngestOptions {
  readonly clock: Clock;
  readonly store: ReadingStore;
  readonly maintenance: BufferMaintenance;
  readonly state: LocalState;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly lingerMs: number;
  readonly maxFrames: number;
  /** Called after every commit that stored readings (wakes the forwarder). */
  readonly onCommitted?: () => void;
}

export interface Ingest {
  submit(unit: IngestUnit, cb: CommitCallback<UnitResult>): void;
  submitAsync(unit: IngestUnit): Promise<UnitResult>;
  /** Commits what is pending now. */
  flush(): void;
  /** Commits what is pending and refuses further units. */
  close(): void;
  /** Units waiting for the next group commit. */
  pending(): number;
  /** False while the last transaction failed (the buffer does not take writes). */
  healthy(): { ok: boolean; detail: string };
}

export function createIngest(o: IngestOptions): Ingest {
  const { metrics, log } = o;
  let lastFailure: string | undefined;
  // Every rejection is counted and stored; the log gets the first of each device and reason, then at most one
  // line (with how many were not logged) every REJECTION_LOG_EVERY_MS, so a flood of bad frames cannot drown it.
  const logged = new Map<string, { atMs: number; suppressed: number }>();
  const logRejection = (u: IngestUnit, rej: Rejection) => {
    const key = `${u.source}|${u.deviceId ?? ''}|${rej.reason}`;
    const now = o.clock.now();
    const seen = logged.get(key);
    if (seen && now - seen.atMs < REJECTION_LOG_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    if (logged.size > 10_000) logged.clear();
    logged.set(key, { atMs: now, suppressed: 0 });
    const fields = { source: u.source, deviceId: u.deviceId, deviceSeq: rej.deviceSeq, reason: rej.reason };
    log.warn(seen?.suppressed ? { ...fields, notLogged: seen.suppressed } : fields, `rejected: ${rej.detail}`);
  };
  const afterCommit = (units: readonly IngestUnit[], results: readonly UnitResult[], durationMs: number) => {
    metrics.commitFrames.observe(units.length);
    metrics.commitSeconds.observe(durationMs / 1000);
    const committed: CommittedReading[] = [];
    // Counted per source once a commit (label lookups are not free at tens of thousands of frames a second).
    const perSource = new Map<string, { frames: number; readings: number; duplicates: number }>();
    units.forEach((u, i) => {
      const r = results[i]!;
      let c = perSource.get(u.source);
      if (!c) perSource.set(u.source, (c = { frames: 0, readings: 0, duplicates: 0 }));
      c.frames += u.frames;
      c.readings += r.committed.length;
      c.duplicates += r.duplicates;
      for (const rej of r.rejections) {
        metrics.rejected.inc({ source: u.source, reason: rej.reason });
        logRejection(u, rej);
      }
      for (const c of r.committed) committed.push(c);
    });
    for (const [source, c] of perSource) {
      metrics.framesIn.inc({ source }, c.frames);
      if (c.readings > 0) metrics.readingsIn.inc({ source }, c.readings);
      if (c.duplicates > 0) metrics.duplicates.inc({ source }, c.duplicates);
    }
    o.state.recordCommitted(committed);
    if (committed.length > 0) o.onCommitted?.();
    o.maintenance.trimTables();
    o.maintenance.enforceCapacity(o.clock.now());
  };
  const committer = new GroupCommitter<IngestUnit, UnitResult>({
    clock: o.clock,
    lingerMs: o.lingerMs,
    maxItems: o.maxFrames,
    commit: (units) => {
      try {
        const results = o.store.commitUnits(units, o.clock.now());
        lastFailure = undefined;
        return results;
      } catch (err) {
        lastFailure = (err as Error).message;
        throw err;
      }
    },
    afterCommit,
    onError: (err) => log.error({ err }, 'error after a commit (the commit itself succeeded)'),
  });
  return {
    submit: (unit, cb) => committer.submit(unit, cb),
    submitAsync: (unit) => committer.submitAsync(unit),
    flush: () => committer.flush(),
    close: () => committer.close(),
    pending: () => committer.pending,
    healthy: () => (lastFailure === undefined ? { ok: true, detail: 'ok' } : { ok: false, detail: lastFailure }),
  };
}
