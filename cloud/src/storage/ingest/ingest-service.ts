/**
 * The ingest use case: validate a batch, keep what the registry allows, store it in PostgreSQL in one statement,
 * produce it to Kafka, and only then report the outcomes. Any unavailability (PostgreSQL or Kafka down, breaker
 * open, timeout) aborts the whole batch with `CLOUD_ERR_DEPENDENCY_UNAVAILABLE` (503): nothing is acknowledged
 * unless it is committed and acknowledged by Kafka. A retry of the same batch finds the committed readings as
 * duplicates and produces them again, so a failure between the two writes loses nothing.
 */
import type { Clock, ReadingCheckLimits, ReadingsBatchResponse } from '@vitals/shared';
import type { DependencyGuard } from '../../resilience/dependency-guard.js';
import { buildResponse, settle, type StoredReading } from './outcomes.js';
import { applyDevices, candidatesOf, deviceIdsOf, planBatch, type DeviceState } from './plan.js';
import type { ReadingPublisher, ReadingStore } from './ports.js';

export interface IngestDeps {
  readonly store: ReadingStore;
  readonly publisher: ReadingPublisher;
  readonly pg: DependencyGuard;
  readonly kafka: DependencyGuard;
  readonly clock: Clock;
  readonly limits: ReadingCheckLimits;
}

export interface IngestCaller {
  readonly customerId: string;
  readonly gatewayId: string | null;
}

export interface IngestService {
  ingest(caller: IngestCaller, readings: readonly unknown[]): Promise<ReadingsBatchResponse>;
}

export function createIngestService(d: IngestDeps): IngestService {
  return {
    async ingest(caller, raws) {
      const planned = planBatch(raws, { nowMs: d.clock.now(), limits: d.limits, gatewayId: caller.gatewayId });
      const deviceIds = deviceIdsOf(planned);
      if (deviceIds.length > 0) {
        // A dead dependency fails the batch before any work that would be wasted.
        d.pg.assertAvailable();
        d.kafka.assertAvailable();
      }
      const devices =
        deviceIds.length > 0
          ? await d.pg.run(() => d.store.deviceStates(caller.customerId, deviceIds))
          : new Map<string, DeviceState>();
      const entries = applyDevices(planned, devices);
      const candidates = candidatesOf(entries);
      const inserted =
        candidates.length > 0 ? await d.pg.run(() => d.store.insert(caller.customerId, candidates)) : new Set<string>();
      const known = candidates.filter((r) => !inserted.has(r.readingId));
      const stored = known.length > 0 ? await d.pg.run(() => d.store.findStored(known)) : new Map<string, StoredReading>();
      const { outcomes, publish } = settle(entries, inserted, stored, caller.customerId);
      if (publish.length > 0) await d.kafka.run(() => d.publisher.publish(caller.customerId, publish));
      return buildResponse(outcomes);
    },
  };
}
