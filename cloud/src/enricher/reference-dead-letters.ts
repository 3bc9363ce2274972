/**
 * Dead letters for reference changes the enricher could not apply (a Debezium record that is not a change
 * event, a row of the wrong shape): one `DeadLetter` per record on `reference-dlq`, keyed by the record's
 * `topic/partition/offset`. The follower reads the reference topics from their beginning at every start, so it
 * writes the same letters again; the topic is compacted by that key, so one letter per record remains.
 * Sending is at least once and never holds up the follower: a failed send is logged and counted, and the
 * record is still refused by the reference state (its previous row stays).
 */
import type { Kafka, Producer } from 'kafkajs';
import { deadLetterOriginal, type DeadLetter } from '@vitals/shared';
import type { Logger } from '../logging.js';

export interface ReferenceDeadLetter {
  readonly key: string;
  readonly value: string;
}

/** The dead letter of one refused reference record. Pure. */
export function referenceDeadLetter(
  source: { readonly topic: string; readonly partition: number; readonly offset: string },
  value: Buffer | null,
  problem: string,
  nowMs: number,
): ReferenceDeadLetter {
  const letter: DeadLetter = {
    reason: 'REFERENCE_CHANGE_REFUSED',
    detail: problem,
    source: { topic: source.topic, partition: source.partition, offset: source.offset },
    ...deadLetterOriginal(value === null ? null : value.toString('utf8')),
    at: new Date(nowMs).toISOString(),
  };
  return { key: `${source.topic}/${source.partition}/${source.offset}`, value: JSON.stringify(letter) };
}

export interface ReferenceDeadLetters {
  send(letters: readonly ReferenceDeadLetter[]): Promise<void>;
  /** Letters sent, and sends that failed (their letters are lost; the follower went on). */
  readonly sent: number;
  readonly failed: number;
  close(): Promise<void>;
}

export async function startReferenceDeadLetters(kafka: Kafka, topic: string, log: Logger): Promise<ReferenceDeadLetters> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let sent = 0;
  let failed = 0;
  return {
    async send(letters) {
      if (letters.length === 0) return;
      try {
        await producer.send({ topic, acks: -1, messages: letters.map((l) => ({ key: l.key, value: l.value })) });
        sent += letters.length;
      } catch (err) {
        failed += letters.length;
        log.error({ err, topic, letters: letters.length }, 'reference dead letters not written (the changes stay refused)');
      }
    },
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
    async close() {
      await producer.disconnect();
    },
  };
}
