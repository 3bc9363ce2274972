/**
 * The reference state kept from the Debezium topics, read to their end before any reading is joined or any
 * device's silence judged: the CDC follower with its dead letters for changes it cannot apply. Used by the
 * Node engine's join and by the Flink engine's alarm stage.
 */
import type { Kafka } from 'kafkajs';
import type { Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { startCdcFollower, type CdcFollower } from './cdc-follower.js';
import type { EnricherConfig } from './config.js';
import { startReferenceDeadLetters, type ReferenceDeadLetters } from './reference-dead-letters.js';
import { ReferenceState } from './reference-state.js';

export interface FollowedReference {
  readonly state: ReferenceState;
  readonly cdc: CdcFollower;
  readonly letters: ReferenceDeadLetters;
  close(): Promise<void>;
}

export async function followReference(
  kafka: Kafka,
  config: Pick<EnricherConfig, 'cdcTopicPrefix' | 'historyMs' | 'referenceDlqTopic' | 'cdcMaxHoldMs'>,
  groupPrefix: string,
  deps: { readonly log: Logger; readonly clock: Clock; readonly state?: ReferenceState },
): Promise<FollowedReference> {
  const { log, clock } = deps;
  const state = deps.state ?? new ReferenceState();
  const letters = await startReferenceDeadLetters(kafka, config.referenceDlqTopic, log);
  let cdc: CdcFollower | undefined;
  try {
    cdc = await startCdcFollower(
      kafka,
      state,
      {
        groupPrefix,
        topicPrefix: config.cdcTopicPrefix,
        barrierCacheMs: 100,
        bootstrapTimeoutMs: 120_000,
        historyMs: config.historyMs,
      },
      { log, clock, deadLetters: letters },
    );
    // Bootstrap first: no reading is joined before the reference topics have been read to their end.
    await cdc.bootstrap();
    // The first heartbeat is usually a moment away: without it every fresh reading would count as unconfirmed.
    // Waiting longer than a reading's longest hold gains nothing, so that bounds the wait.
    if (!(await cdc.firstBeat(config.cdcMaxHoldMs))) {
      log.warn(
        { waitedMs: config.cdcMaxHoldMs },
        'no CDC heartbeat yet: the watermark is unknown, readings wait their longest hold (is Kafka Connect running?)',
      );
    }
  } catch (err) {
    await cdc?.close().catch(() => undefined);
    await letters.close().catch(() => undefined);
    throw err;
  }
  const follower = cdc;
  return {
    state,
    cdc: follower,
    letters,
    async close() {
      await follower.close();
      await letters.close();
    },
  };
}
