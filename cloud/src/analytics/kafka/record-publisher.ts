/**
 * Late and malformed input records out to Kafka (late-readings, readings-dlq) through the idempotent producer,
 * before the window commit of their batch: at least once (a batch retried after a failed commit publishes them
 * again; consumers deduplicate by reading id and the `vitals-source` header).
 */
import { deadLetterOriginal, type Clock, type DeadLetter } from '@vitals/shared';
import type { IdempotentProducer, OutgoingMessage } from '../../kafka/idempotent-producer.js';
import type { LateReading, MalformedRecord } from '../engine/partition-engine.js';
import { AnalyticsErrors } from '../errors.js';
import type { RecordPublisher } from '../sink/ports.js';

export interface KafkaRecordPublisherOptions {
  readonly inputTopic: string;
  readonly lateTopic: string;
  readonly deadLetterTopic: string;
  readonly clock: Clock;
}

export function createKafkaRecordPublisher(producer: IdempotentProducer, o: KafkaRecordPublisherOptions): RecordPublisher {
  const send = async (topic: string, messages: OutgoingMessage[]) => {
    try {
      await producer.send(topic, messages);
    } catch (err) {
      throw AnalyticsErrors.ANALYTICS_ERR_PUBLISH_FAILED.withCause(err, messages.length, topic, (err as Error).message);
    }
  };
  return {
    async late(partition, records: readonly LateReading[]) {
      await send(
        o.lateTopic,
        records.map((r) => ({
          key: r.key ?? '',
          value: r.value,
          headers: {
            'vitals-source': `${o.inputTopic}/${partition}/${r.offset}`,
            'vitals-late-queries': r.queries.join(','),
            'vitals-watermark': new Date(r.watermark).toISOString(),
          },
        })),
      );
    },
    async malformed(partition, records: readonly MalformedRecord[]) {
      const at = new Date(o.clock.now()).toISOString();
      await send(
        o.deadLetterTopic,
        records.map((r) => {
          const letter: DeadLetter = {
            reason: 'MALFORMED',
            detail: `analytics: ${r.detail}`.slice(0, 1000),
            source: { topic: o.inputTopic, partition, offset: r.offset },
            ...deadLetterOriginal(r.value),
            at,
          };
          return {
            key: r.key ?? '',
            value: JSON.stringify(letter),
            headers: { 'vitals-source': `${o.inputTopic}/${partition}/${r.offset}` },
          };
        }),
      );
    },
  };
}
