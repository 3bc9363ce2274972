/**
 * The forwarder: sends unsent readings to the cloud in batches, one request at a time, and records per
 * reading what the cloud said. Failures that may pass (network, timeout, 5xx, 429, 401/403) are retried with
 * exponential backoff and jitter, honouring Retry-After, behind a circuit breaker (cockatiel); ingestion never
 * waits for any of it.
 *
 * Order (EDGE_FORWARD_ORDER): `oldest-first` (default) sends strictly in commit order, so every device's
 * readings reach the cloud in the order they were received, and after an outage the backlog drains at full
 * speed with full batches, live readings right behind it. `live-first` alternates a batch of the newest
 * readings (received within EDGE_LIVE_WINDOW) with a backlog batch, so the cloud's live view recovers at once
 * at the cost of per-device order. Either way a reading that waited longer than EDGE_LIVE_WINDOW is sent with
 * `historical: true`, so it does not raise alarms downstream.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { METRIC_CATALOG, isVitalsError, type Clock, type Reading, type TimerHandle } from '@vitals/shared';
import type { Logger } from 'pino';
import type { ReadingStore, StoredReading } from '../buffer/reading-store.js';
import type { EdgeMetrics, UplinkState } from '../metrics.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { classifyOutcomes } from './batch-outcome.js';
import type { CloudClient, SendResult } from './cloud-client.js';

export interface ForwarderOptions {
  readonly store: ReadingStore;
  readonly client: CloudClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  readonly random: () => number;
  readonly gatewayId: string;
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly liveWindowMs: number;
  readonly order: 'oldest-first' | 'live-first';
  readonly backoff: BackoffPolicy;
  readonly breakerThreshold: number;
  readonly halfOpenAfterMs: number;
  /** How long `stop()` lets an in-flight request finish before aborting it (default 5 s). */
  readonly stopGraceMs?: number;
}

export function toWire(r: StoredReading, gatewayId: string, nowMs: number, liveWindowMs: number): Reading {
  return {
    readingId: r.readingId,
    deviceId: r.deviceId,
    deviceSeq: r.deviceSeq,
    metric: r.metric,
    value: r.value,
    unit: METRIC_CATALOG[r.metric].unit,
    measuredAt: new Date(r.measuredAtMs).toISOString(),
    receivedAt: new Date(r.receivedAtMs).toISOString(),
    gatewayId,
    historical: nowMs - r.receivedAtMs > liveWindowMs,
  };
}

export class Forwarder {
  private uplink: UplinkState = 'idle';
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private wakeOn: 'data' | 'full' | 'stop' = 'data';
  private failures = 0;
  private batchSize: number;
  private lastLane: 'live' | 'backlog' = 'backlog';
  private lastError: string | undefined;
  private lastSuccessAtMs: number | undefined;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly abort = new AbortController();

  constructor(private readonly o: ForwarderOptions) {
    this.batchSize = o.batchSize;
    this.breaker = circuitBreaker(
      handleWhen((err) => isVitalsError(err) && err.retriable),
      { halfOpenAfter: o.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breakerThreshold) },
    );
    this.breaker.onBreak(() => o.log.error({ failures: this.failures }, 'uplink circuit breaker opened'));
    this.breaker.onReset(() => o.log.info('uplink circuit breaker closed'));
  }

  get state(): UplinkState {
    return this.uplink;
  }

  status() {
    return {
      state: this.uplink,
      breaker: CircuitState[this.breaker.state],
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      lastSuccessAt: this.lastSuccessAtMs === undefined ? null : new Date(this.lastSuccessAtMs).toISOString(),
      batchSize: this.batchSize,
      order: this.o.order,
    };
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.o.log.fatal({ err }, 'forwarder loop crashed'));
  }

  /** New readings were committed. */
  notify(): void {
    if (!this.wake || this.wakeOn === 'stop') return;
    if (this.wakeOn === 'full' && this.o.store.counts.unsent < this.batchSize) return;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const grace = this.o.clock.setTimeout(() => this.abort.abort(), this.o.stopGraceMs ?? 5000);
    await this.loop;
    this.o.clock.clearTimeout(grace);
    this.o.client.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const batch = this.pick();
      if (batch.length === 0) {
        if (this.uplink === 'sending') this.uplink = 'idle';
        await this.sleep(undefined, 'data');
        continue;
      }
      const waited = this.o.clock.now() - batch[0]!.receivedAtMs;
      if (batch.length < this.batchSize && waited < this.o.lingerMs) {
        await this.sleep(this.o.lingerMs - waited, 'full');
        continue;
      }
      const delay = await this.send(batch);
      if (delay > 0) await this.sleep(delay, 'stop');
    }
  }

  private pick(): StoredReading[] {
    const { store } = this.o;
    if (this.o.order === 'oldest-first') return store.unsentBatch(this.batchSize);
    const since = this.o.clock.now() - this.o.liveWindowMs;
    if (this.lastLane === 'backlog') {
      const live = store.newestUnsent(this.batchSize).filter((r) => r.receivedAtMs >= since);
      if (live.length > 0) {
        this.lastLane = 'live';
        return live.reverse();
      }
    }
    this.lastLane = 'backlog';
    return store.unsentBatch(this.batchSize);
  }

  /** Sends one batch; returns how long to wait before the next attempt (0 = go on). */
  private async send(batch: StoredReading[]): Promise<number> {
    const { clock, metrics, log } = this.o;
    const now = clock.now();
    const wire = batch.map((r) => toWire(r, this.o.gatewayId, now, this.o.liveWindowMs));
    this.uplink = this.failures > 0 ? this.uplink : 'sending';
    let result: SendResult;
    try {
      result = await this.breaker.execute(() => this.o.client.send(wire, this.abort.signal));
    } catch (err) {
      if (this.stopped) return 0;
      this.failures++;
      const open = err instanceof BrokenCircuitError || this.breaker.state === CircuitState.Open;
      this.uplink = open ? 'open' : 'retrying';
      const code =
        err instanceof BrokenCircuitError ? 'EDGE_ERR_UPLINK_CIRCUIT_OPEN' : ((err as { code?: string }).code ?? 'error');
      metrics.uplinkRequests.inc({ result: code });
      const message = err instanceof BrokenCircuitError ? 'circuit open' : (err as Error).message;
      if (message !== this.lastError) log.warn({ err, failures: this.failures }, 'uplink request failed; backing off');
      this.lastError = message;
      return backoffDelay(this.failures, this.o.backoff, this.o.random, (err as { retryAfterMs?: number }).retryAfterMs);
    }
    if (this.failures > 0) log.info({ after: this.failures }, 'uplink recovered');
    this.failures = 0;
    this.lastError = undefined;
    this.uplink = 'sending';
    this.lastSuccessAtMs = clock.now();
    metrics.uplinkRequests.inc({ result: result.kind });
    if (result.kind === 'ok') {
      const out = classifyOutcomes(batch, result.response);
      this.o.store.applyOutcomes(out.forwarded, out.dead, clock.now());
      if (out.accepted) metrics.forwarded.inc({ outcome: 'accepted' }, out.accepted);
      if (out.duplicate) metrics.forwarded.inc({ outcome: 'duplicate' }, out.duplicate);
      for (const d of out.dead) metrics.deadLettered.inc({ reason: d.reason });
      if (out.dead.length)
        log.warn({ count: out.dead.length, first: out.dead[0]!.reason }, 'cloud rejected readings; dead-lettered');
      if (out.missing.length) log.warn({ count: out.missing.length }, 'cloud answer left readings out; they will be sent again');
      this.batchSize = Math.min(this.o.batchSize, this.batchSize * 2);
      return 0;
    }
    // The batch itself was refused (too large, or malformed): halve until the offending reading is alone,
    // then dead-letter it so that it cannot block the readings behind it.
    if (batch.length > 1) {
      this.batchSize = Math.max(1, Math.floor(batch.length / 2));
      log.warn({ kind: result.kind, batchSize: this.batchSize }, 'cloud refused the batch; retrying smaller');
      return 0;
    }
    const reason = result.kind === 'too-large' ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED';
    const detail = result.kind === 'bad-request' ? result.detail : 'HTTP 413 for a single reading';
    this.o.store.applyOutcomes([], [{ reading: batch[0]!, reason, detail }], clock.now());
    metrics.deadLettered.inc({ reason });
    log.error({ readingId: batch[0]!.readingId, reason, detail }, 'cloud refused a single reading; dead-lettered');
    return 0;
  }

  /**
   * Waits `ms` (forever when undefined) or until woken: by any commit (`data`), by a commit that fills a batch
   * (`full`), or only by `stop()` (a backoff).
   */
  private sleep(ms: number | undefined, wakeOn: 'data' | 'full' | 'stop'): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        if (timer !== undefined) this.o.clock.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.wakeOn = wakeOn;
      if (ms !== undefined) timer = this.o.clock.setTimeout(done, ms);
    });
  }
}
