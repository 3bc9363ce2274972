/**
 * The one place that builds a kafkajs client. kafkajs is quiet upstream (see shared/notes/kafka-debezium.md), so
 * every cloud service reaches Kafka only through this folder: `client.ts` (the client and its logging),
 * `idempotent-producer.ts`, `cluster-probe.ts`; transactional producers and consumers go in files beside them.
 */
import kafkajs, { Kafka, logLevel, type LogEntry } from 'kafkajs';

// kafkajs is CommonJS and spreads its error classes into its exports, which Node's ESM loader cannot see as
// named exports: take them from the default export.
const { KafkaJSError } = kafkajs;
import type { Logger } from '../logging.js';

export interface KafkaClientSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** kafkajs warns about this on every idempotent producer with bounded retries; see idempotent-producer.ts. */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Lines kafkajs writes for each attempt of a request it then retries (an error response such as
 * CONCURRENT_TRANSACTIONS right after a commit, or a produce that will be sent again). When the retries run out
 * the error reaches our code, which logs it; one attempt is detail, not a warning.
 */
const RETRIED_ATTEMPTS = ['Response ', 'Failed to send messages: '];

/** kafkajs log entries into pino. Its ERROR lines are about retries we handle and report ourselves: warn. */
export function bridge(log: Logger) {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _t, ...extra } = entry;
      if (EXPECTED_WARNINGS.some((w) => message.startsWith(w))) return;
      const fields = { kafka: namespace, ...extra };
      if (RETRIED_ATTEMPTS.some((a) => message.startsWith(a))) log.debug(fields, message);
      else if (level <= logLevel.WARN) log.warn(fields, message);
      else if (level === logLevel.INFO) log.debug(fields, message);
      else log.trace(fields, message);
    };
}

export function createKafkaClient(s: KafkaClientSettings, log: Logger): Kafka {
  return new Kafka({
    clientId: s.clientId,
    brokers: [...s.brokers],
    connectionTimeout: s.connectTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    // Bounded: a dead broker must become a quick error (then 503) rather than a request that hangs for minutes.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.INFO,
    logCreator: bridge(log.child({ component: 'kafkajs' })),
  });
}

/** Every kafkajs failure means the cluster did not take our request: unavailable, retry later. */
export function isKafkaUnavailable(err: unknown): boolean {
  return err instanceof KafkaJSError || (err instanceof Error && err.name.startsWith('KafkaJS'));
}
