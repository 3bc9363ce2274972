/**
 * Publishes gateways' documents to the broker, retained at QoS 1, one gateway at a time in order. Every publish
 * reads the newest stored version right before it is sent, so the retained message a gateway finds when it
 * reconnects is always the newest version, never a stale one overtaking it. A failed publish is tried again after
 * `retryMs`; the periodic reconcile catches anything else.
 */
import type pg from 'pg';
import type { Clock, TimerHandle } from '@vitals/shared';
import type { Logger } from '../../logging.js';
import { ConfigServiceErrors } from '../errors.js';
import type { ConfigServiceMetrics } from '../metrics.js';
import type { ConfigTransport } from '../mqtt/transport.js';
import { configTopic } from '../mqtt/topic-rules.js';
import { latestDocument, markPublished } from '../store/config-state.js';

export interface Publisher {
  /** Queues a publish of each gateway's newest version; `force` sends it even if this process sent it already. */
  publishLatest(gatewayIds: readonly string[], opts?: { readonly force?: boolean }): Promise<void>;
  /** Removes a (deleted) gateway's retained document. */
  clear(gatewayId: string): Promise<void>;
  /** The version this process last handed to the broker for the gateway. */
  published(gatewayId: string): number | undefined;
  close(): void;
}

export interface PublisherDeps {
  readonly pool: pg.Pool;
  readonly transport: ConfigTransport;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ConfigServiceMetrics;
  readonly retryMs: number;
}

export function createPublisher(d: PublisherDeps): Publisher {
  const chains = new Map<string, Promise<void>>();
  const sent = new Map<string, number>();
  const retries = new Map<string, TimerHandle>();
  let closed = false;

  const enqueue = (gatewayId: string, work: () => Promise<void>): Promise<void> => {
    const next = (chains.get(gatewayId) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => undefined);
    chains.set(gatewayId, settled);
    void settled.then(() => {
      if (chains.get(gatewayId) === settled) chains.delete(gatewayId);
    });
    return next;
  };

  const retryLater = (gatewayId: string) => {
    if (closed || retries.has(gatewayId)) return;
    retries.set(
      gatewayId,
      d.clock.setTimeout(() => {
        retries.delete(gatewayId);
        void publishLatest([gatewayId], { force: true });
      }, d.retryMs),
    );
  };

  const publishOne = async (gatewayId: string, force: boolean) => {
    if (closed) return;
    let version: number | undefined;
    try {
      const doc = await latestDocument(d.pool, gatewayId);
      if (!doc) return;
      version = doc.version;
      if (!force && (sent.get(gatewayId) ?? 0) >= doc.version) return;
      await d.transport.publish(configTopic(gatewayId), Buffer.from(JSON.stringify(doc)));
      sent.set(gatewayId, doc.version);
      d.metrics.publishes.inc({ result: 'ok' });
      d.log.info({ gatewayId, version: doc.version }, 'configuration published');
      await markPublished(d.pool, gatewayId, doc.version);
    } catch (err) {
      d.metrics.publishes.inc({ result: 'failed' });
      const e = ConfigServiceErrors.CONFIG_ERR_PUBLISH_FAILED.withCause(err, version ?? '?', gatewayId, (err as Error).message);
      d.log.warn({ err: e, gatewayId }, `publish failed; trying again in ${d.retryMs} ms`);
      retryLater(gatewayId);
    }
  };

  const publishLatest = async (gatewayIds: readonly string[], opts: { readonly force?: boolean } = {}) => {
    await Promise.all(gatewayIds.map((id) => enqueue(id, () => publishOne(id, opts.force ?? false))));
  };

  return {
    publishLatest,
    clear: (gatewayId) =>
      enqueue(gatewayId, async () => {
        if (closed) return;
        sent.delete(gatewayId);
        await d.transport.clear(configTopic(gatewayId)).catch((err: unknown) => {
          d.log.warn({ err, gatewayId }, 'could not clear the retained document of a deleted gateway');
        });
      }),
    published: (gatewayId) => sent.get(gatewayId),
    close() {
      closed = true;
      for (const t of retries.values()) d.clock.clearTimeout(t);
      retries.clear();
    },
  };
}
