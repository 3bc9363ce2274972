/**
 * Readings to Kafka: topic `raw-readings` (configurable), key = device id (one device's readings stay in order
 * on one partition), value = the Reading JSON of the shared contract, header `customer-id`.
 */
import type { Reading } from '@vitals/shared';
import type { IdempotentProducer, OutgoingMessage } from '../../kafka/idempotent-producer.js';
import type { ReadingPublisher } from './ports.js';

export const CUSTOMER_HEADER = 'customer-id';

export function toMessage(customerId: string, r: Reading): OutgoingMessage {
  return { key: r.deviceId, value: JSON.stringify(r), headers: { [CUSTOMER_HEADER]: customerId } };
}

export function createKafkaReadingPublisher(producer: IdempotentProducer, topic: string): ReadingPublisher {
  return {
    publish: (customerId, readings) =>
      producer.send(
        topic,
        readings.map((r) => toMessage(customerId, r)),
      ),
  };
}
