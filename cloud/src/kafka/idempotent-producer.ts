/**
 * An idempotent producer with acks from all in-sync replicas (acks=-1): `send` resolves only when Kafka has
 * acknowledged every message. Design points:
 * - Group commit: while one produce request is in flight, later `send` calls queue and go out together in the
 *   next request (kafkajs serialises an idempotent producer's requests per broker anyway). Every caller of a
 *   flush shares its outcome, so a caller is never told "done" for messages that were not acknowledged.
 * - Requests are split so no request carries more than `maxRequestBytes` (the broker refuses record batches
 *   above `message.max.bytes`, 1 MiB by default).
 * - Bounded retries, and a failed producer is thrown away: the next send starts a new producer session (new
 *   producer id, fresh sequence numbers), so a half-failed session can never wedge ingest. Retrying is the
 *   caller's job; duplicates that result are harmless because every record carries a stable id.
 */
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from '../logging.js';

export interface OutgoingMessage {
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface IdempotentProducerOptions {
  readonly log: Logger;
  /** How long the broker may take to get acknowledgements from all in-sync replicas. */
  readonly ackTimeoutMs: number;
  /** Upper bound of the payload of one produce request (default 768 KiB). */
  readonly maxRequestBytes?: number;
}

export interface IdempotentProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas; rejects with the kafkajs error otherwise. */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Connects now (start-up), instead of on the first send. */
  connect(): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

function sizeOf(m: OutgoingMessage): number {
  return Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + 64;
}

/** Splits pending sends into request payloads of at most `max` bytes (an oversized message goes alone). */
export function* chunkRequests(
  batch: ReadonlyArray<Pick<Pending, 'topic' | 'messages'>>,
  max: number,
): Generator<Array<{ topic: string; messages: Message[] }>> {
  let current = new Map<string, Message[]>();
  let bytes = 0;
  for (const p of batch) {
    for (const m of p.messages) {
      const size = sizeOf(m);
      if (bytes > 0 && bytes + size > max) {
        yield [...current].map(([topic, messages]) => ({ topic, messages }));
        current = new Map();
        bytes = 0;
      }
      const list = current.get(p.topic) ?? [];
      list.push({ key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : undefined });
      current.set(p.topic, list);
      bytes += size;
    }
  }
  if (bytes > 0) yield [...current].map(([topic, messages]) => ({ topic, messages }));
}

export function createIdempotentProducer(kafka: Kafka, o: IdempotentProducerOptions): IdempotentProducer {
  const maxRequestBytes = o.maxRequestBytes ?? 768 * 1024;
  let producer: Promise<Producer> | undefined;
  let queue: Pending[] = [];
  let flushing = false;
  let closed = false;

  const open = (): Promise<Producer> => {
    if (closed) return Promise.reject(new Error('producer is closed'));
    if (!producer) {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // murmur2, as the Java client: a key lands on the same partition whichever client produced it.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      producer = p.connect().then(
        () => p,
        (err: unknown) => {
          producer = undefined;
          void p.disconnect().catch(() => undefined);
          throw err;
        },
      );
    }
    return producer;
  };

  /** Throws away the producer session that failed (if it is still the current one). */
  const discard = (failed: Promise<Producer>) => {
    if (producer !== failed) return;
    producer = undefined;
    void failed.then((p) => p.disconnect()).catch(() => undefined);
  };

  const flush = async () => {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        const session = open();
        try {
          const p = await session;
          for (const topicMessages of chunkRequests(batch, maxRequestBytes)) {
            await p.sendBatch({ topicMessages, acks: -1, timeout: o.ackTimeoutMs, compression: CompressionTypes.None });
          }
          for (const entry of batch) entry.resolve();
        } catch (err) {
          discard(session);
          o.log.warn({ err, sends: batch.length }, 'Kafka produce failed; the producer session is replaced');
          for (const entry of batch) entry.reject(err);
        }
      }
    } finally {
      flushing = false;
    }
  };

  return {
    send(topic, messages) {
      if (closed) return Promise.reject(new Error('producer is closed'));
      if (messages.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ topic, messages, resolve, reject });
        if (!flushing) void flush();
      });
    },
    async connect() {
      await open();
    },
    async close() {
      closed = true;
      const p = producer;
      producer = undefined;
      if (p) await p.then((x) => x.disconnect()).catch(() => undefined);
    },
  };
}
