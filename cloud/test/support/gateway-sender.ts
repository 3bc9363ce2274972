/**
 * A client that behaves like an edge gateway's forwarder: it sends a batch until the batch is acknowledged (200),
 * keeping it on 503 and trying again, then moves to the next one. It records what was acknowledged, so a test
 * can check that nothing acknowledged is missing afterwards.
 */
import type { StorageFixture } from './storage-fixture.js';
import { makeReadings } from './storage-fixture.js';

export interface SenderStats {
  /** Batches acknowledged with 200. */
  acked: number;
  /** Reading ids acknowledged (accepted or duplicate). */
  readonly ackedIds: Set<string>;
  /** Acknowledged readings whose status was `duplicate` (stored by an earlier, unacknowledged attempt). */
  duplicates: number;
  /** 503 answers: code and Retry-After. */
  readonly unavailable: Array<{ code: string; retryAfter: string | null }>;
  /** Anything else: network errors, unexpected statuses. */
  readonly other: string[];
}

export interface Sender {
  readonly stats: SenderStats;
  stop(): Promise<void>;
}

export function startSender(
  f: StorageFixture,
  token: string,
  deviceId: string,
  o: { batchSize: number; pauseMs: number },
): Sender {
  const stats: SenderStats = { acked: 0, ackedIds: new Set(), duplicates: 0, unavailable: [], other: [] };
  let stopped = false;
  let seq = 0;
  const pause = () => new Promise((r) => setTimeout(r, o.pauseMs));
  const loop = (async () => {
    let batch = makeReadings(deviceId, o.batchSize).map((r) => ({ ...r, deviceSeq: seq++ }));
    while (!stopped) {
      try {
        const r = await f.call('POST', '/v1/readings:batch', { token, body: { readings: batch } });
        if (r.status === 200) {
          stats.acked++;
          for (const x of r.body.results as Array<{ readingId: string; status: string }>) {
            if (x.status === 'accepted' || x.status === 'duplicate') stats.ackedIds.add(x.readingId);
            if (x.status === 'duplicate') stats.duplicates++;
            if (x.status === 'rejected') stats.other.push(`rejected ${x.readingId}`);
          }
          batch = makeReadings(deviceId, o.batchSize).map((r) => ({ ...r, deviceSeq: seq++ }));
        } else if (r.status === 503) {
          stats.unavailable.push({ code: r.body?.code, retryAfter: r.headers.get('retry-after') });
        } else {
          stats.other.push(`HTTP ${r.status} ${JSON.stringify(r.body)}`);
        }
      } catch (err) {
        stats.other.push(`network: ${(err as Error).message}`);
      }
      // Pacing of the client between requests (a gateway forwards on a timer), not a wait for a condition.
      await pause();
    }
  })();
  return {
    stats,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
