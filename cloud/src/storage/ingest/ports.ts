/** What the ingest service needs from the outside world; adapters: pg-reading-store.ts, kafka-reading-publisher.ts. */
import type { Reading } from '@vitals/shared';
import type { StoredReading } from './outcomes.js';
import type { DeviceState } from './plan.js';

export interface ReadingStore {
  /** State of the given devices among the customer's; devices of other customers or unknown are absent. */
  deviceStates(customerId: string, deviceIds: readonly string[]): Promise<Map<string, DeviceState>>;
  /** Inserts what is not stored yet, in one statement; returns the ids inserted now. */
  insert(customerId: string, readings: readonly Reading[]): Promise<Set<string>>;
  /** The stored rows under these readings' ids (whatever their measured-at), by id. */
  findStored(readings: readonly Reading[]): Promise<Map<string, StoredReading>>;
}

export interface ReadingPublisher {
  /** Resolves once Kafka acknowledged every reading (acks from all in-sync replicas). */
  publish(customerId: string, readings: readonly Reading[]): Promise<void>;
}
