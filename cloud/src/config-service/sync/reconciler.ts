/**
 * Keeps every gateway's desired document equal to what its inputs say, whoever changed them:
 *
 * - API writes of this service recompute the affected gateways inside their own transaction
 *   (`recomputeForChange`): an invalid document refuses the write (400) and nothing is stored or published.
 * - Changes made elsewhere (storage API, SQL) arrive as `vitals_config_inputs` notifications (`notify`); they are
 *   gathered for `debounceMs`, then each affected gateway is recomputed in a transaction of its own. A document
 *   that fails validation is not issued: the previous version stays desired and the state row carries the error.
 * - Time changes documents too (an assignment starts or ends): a timer per gateway fires at the next boundary.
 * - A full reconcile runs at start, whenever the change listener (re)connects (notifications may have been
 *   missed), and every `reconcileIntervalMs`; at start it republishes every gateway's newest version (the embedded
 *   broker keeps retained messages only in memory).
 * Recomputing is idempotent (a new version only when the content changed), so doing it twice costs only time.
 */
import type pg from 'pg';
import type { Clock, TimerHandle } from '@vitals/shared';
import type { Queryable } from '../../db/transaction.js';
import { withTransaction } from '../../db/transaction.js';
import type { Logger } from '../../logging.js';
import type { DependencyGuard } from '../../resilience/dependency-guard.js';
import { mergeScopes, type ChangeScope } from '../domain/input-change.js';
import { ConfigServiceErrors } from '../errors.js';
import type { ConfigServiceMetrics } from '../metrics.js';
import type { ConfigTransport } from '../mqtt/transport.js';
import { gatewaysInScope, liveGatewayIds } from '../store/gateway-inputs.js';
import type { Publisher } from './publisher.js';
import { recomputeGateway, type RecomputeOutcome } from './recompute.js';

export interface ChangeContext {
  readonly cause: string;
  readonly createdBy: string;
}

export interface Reconciler {
  /** In the caller's transaction; throws `CONFIG_ERR_INVALID_DOCUMENT` (400) so the caller rolls back. */
  recomputeForChange(db: Queryable, scope: ChangeScope, ctx: ChangeContext): Promise<RecomputeOutcome[]>;
  /** After the caller committed: publish what was issued, arm the boundary timers. */
  afterCommit(outcomes: readonly RecomputeOutcome[]): void;
  /** A change made elsewhere (notification): recomputed after the debounce. */
  notify(scope: ChangeScope): void;
  /** Recomputes every live gateway; `republish` sends each newest version to the broker again. */
  reconcileAll(cause: string, opts: { readonly republish: boolean }): Promise<void>;
  /** Recomputes one gateway now and republishes its newest version. */
  refresh(gatewayId: string, ctx: ChangeContext): Promise<RecomputeOutcome>;
  /** Starts the periodic reconcile. */
  start(): void;
  close(): void;
}

export interface ReconcilerDeps {
  readonly pool: pg.Pool;
  readonly pg: DependencyGuard;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ConfigServiceMetrics;
  readonly publisher: Publisher;
  readonly transport: ConfigTransport;
  readonly debounceMs: number;
  readonly reconcileIntervalMs: number;
  readonly retryMs: number;
}

const SYSTEM = 'config-service';
/** Longest single timer; a farther boundary is re-armed when it fires. */
const MAX_TIMER_MS = 6 * 3_600_000;
/** Fire a little after the boundary, so the instant itself is past for the query (`valid_to > now`). */
const BOUNDARY_MARGIN_MS = 20;

export function createReconciler(d: ReconcilerDeps): Reconciler {
  const { log, metrics } = d;
  const pending = new Map<string, ChangeScope>();
  /** Gateways to recompute at the next flush, with why (a boundary, a retry). */
  const pendingIds = new Map<string, string>();
  const boundaries = new Map<string, { at: number; timer: TimerHandle }>();
  let flushTimer: TimerHandle | undefined;
  let periodic: TimerHandle | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  /** Retries waiting for their time (cleared on close). */
  const retries = new Set<TimerHandle>();
  const later = (fn: () => void) => {
    if (closed) return;
    const t = d.clock.setTimeout(() => {
      retries.delete(t);
      fn();
    }, d.retryMs);
    retries.add(t);
  };
  const nowIso = () => new Date(d.clock.now()).toISOString();

  /** Background work runs one piece at a time, in order. */
  const serially = (work: () => Promise<void>): Promise<void> => {
    const next = chain.then(work).catch((err: unknown) => log.error({ err }, 'configuration reconcile step failed'));
    chain = next;
    return next;
  };

  const armBoundary = (gatewayId: string, at: number | undefined) => {
    const current = boundaries.get(gatewayId);
    if (current && current.at === at) return;
    if (current) d.clock.clearTimeout(current.timer);
    boundaries.delete(gatewayId);
    if (at === undefined || closed) return;
    const delay = Math.min(Math.max(0, at - d.clock.now()) + BOUNDARY_MARGIN_MS, MAX_TIMER_MS);
    const timer = d.clock.setTimeout(() => {
      boundaries.delete(gatewayId);
      recomputeLater([gatewayId], 'schedule (assignment boundary)');
    }, delay);
    boundaries.set(gatewayId, { at, timer });
  };

  const afterCommit = (outcomes: readonly RecomputeOutcome[]) => {
    const issued: string[] = [];
    for (const o of outcomes) {
      if (o.kind === 'gone') {
        armBoundary(o.gatewayId, undefined);
        void d.publisher.clear(o.gatewayId);
        continue;
      }
      armBoundary(o.gatewayId, o.nextChangeAtMs);
      if (o.kind === 'issued') issued.push(o.gatewayId);
    }
    if (issued.length > 0) void d.publisher.publishLatest(issued);
  };

  const recomputeOne = async (gatewayId: string, cause: string): Promise<RecomputeOutcome> => {
    const outcome = await d.pg.run(() =>
      withTransaction(d.pool, (client) =>
        recomputeGateway(client, { gatewayId, nowMs: d.clock.now(), cause, createdBy: SYSTEM, recordBuildError: true }),
      ),
    );
    if (outcome.kind === 'issued') {
      metrics.versionsIssued.inc({ cause: cause.split(' ')[0] ?? cause });
      log.info({ gatewayId, version: outcome.version, cause }, 'configuration version issued');
    } else if (outcome.kind === 'invalid') {
      metrics.buildFailures.inc();
      const e = ConfigServiceErrors.CONFIG_ERR_BUILD_FAILED(gatewayId, outcome.problems.join('; '));
      log.error({ err: e, gatewayId }, 'the inputs give an invalid document; the previous version stays desired');
    }
    afterCommit([outcome]);
    return outcome;
  };

  const recomputeIds = async (ids: ReadonlyMap<string, string>) => {
    const failed: string[] = [];
    for (const [id, cause] of [...ids].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (closed) return;
      try {
        await recomputeOne(id, cause);
      } catch (err) {
        failed.push(id);
        log.warn({ err, gatewayId: id }, `recompute failed; trying again in ${d.retryMs} ms`);
      }
    }
    if (failed.length > 0) later(() => recomputeLater(failed, 'retry'));
  };

  const recomputeLater = (ids: readonly string[], cause: string) => {
    for (const id of ids) pendingIds.set(id, cause);
    scheduleFlush();
  };

  const flush = async () => {
    const scopes = [...pending.values()];
    pending.clear();
    const ids = new Map(pendingIds);
    pendingIds.clear();
    for (const scope of scopes) {
      try {
        for (const id of await d.pg.run(() => gatewaysInScope(d.pool, scope, nowIso()))) ids.set(id, 'change notification');
        if (scope.gatewayIds.length > 0) await d.transport.revalidate(scope.gatewayIds);
      } catch (err) {
        log.warn(
          { err, customerId: scope.customerId },
          `could not resolve the gateways of a change; trying again in ${d.retryMs} ms`,
        );
        later(() => notify(scope));
      }
    }
    await recomputeIds(ids);
  };

  const scheduleFlush = () => {
    if (flushTimer !== undefined || closed) return;
    flushTimer = d.clock.setTimeout(() => {
      flushTimer = undefined;
      void serially(flush);
    }, d.debounceMs);
  };

  const notify = (scope: ChangeScope) => {
    const prev = pending.get(scope.customerId);
    pending.set(scope.customerId, prev ? mergeScopes(prev, scope) : scope);
    scheduleFlush();
  };

  const reconcileAll = (cause: string, opts: { readonly republish: boolean }) =>
    serially(async () => {
      let ids: string[];
      try {
        ids = await d.pg.run(() => liveGatewayIds(d.pool));
      } catch (err) {
        log.warn({ err }, `full reconcile could not list the gateways; trying again in ${d.retryMs} ms`);
        later(() => void reconcileAll(cause, opts));
        return;
      }
      await recomputeIds(new Map(ids.map((id) => [id, cause])));
      // Anything not yet handed to the broker by this process (all of it after a start) goes out now.
      await d.publisher.publishLatest(ids, { force: opts.republish });
      log.info({ gateways: ids.length, cause }, 'configuration reconciled');
    });

  return {
    async recomputeForChange(db, scope, ctx) {
      const ids = await gatewaysInScope(db, scope, nowIso());
      const outcomes: RecomputeOutcome[] = [];
      for (const gatewayId of ids) {
        const o = await recomputeGateway(db, {
          gatewayId,
          nowMs: d.clock.now(),
          cause: ctx.cause,
          createdBy: ctx.createdBy,
          recordBuildError: false,
        });
        if (o.kind === 'invalid') {
          const err = ConfigServiceErrors.CONFIG_ERR_INVALID_DOCUMENT(gatewayId, o.problems.join('; '));
          throw Object.assign(err, { details: o.problems.map((message) => ({ path: `gateway ${gatewayId}`, message })) });
        }
        if (o.kind === 'issued') metrics.versionsIssued.inc({ cause: 'api' });
        outcomes.push(o);
      }
      return outcomes;
    },
    afterCommit,
    notify,
    reconcileAll,
    async refresh(gatewayId, ctx) {
      const outcome = await d.pg.run(() =>
        withTransaction(d.pool, (client) =>
          recomputeGateway(client, {
            gatewayId,
            nowMs: d.clock.now(),
            cause: ctx.cause,
            createdBy: ctx.createdBy,
            recordBuildError: true,
          }),
        ),
      );
      afterCommit([outcome]);
      if (outcome.kind !== 'gone') await d.publisher.publishLatest([gatewayId], { force: true });
      return outcome;
    },
    start() {
      if (periodic !== undefined || closed) return;
      periodic = d.clock.setInterval(() => void reconcileAll('reconcile', { republish: false }), d.reconcileIntervalMs);
    },
    close() {
      closed = true;
      if (flushTimer !== undefined) d.clock.clearTimeout(flushTimer);
      if (periodic !== undefined) d.clock.clearInterval(periodic);
      for (const b of boundaries.values()) d.clock.clearTimeout(b.timer);
      boundaries.clear();
      for (const t of retries) d.clock.clearTimeout(t);
      retries.clear();
    },
  };
}
