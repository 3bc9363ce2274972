/**
 * What the ingest endpoints accept per reading. The wire contract is `ReadingSchema` (shared/reading.ts); here
 * each reading is checked on its own so that one bad reading is rejected with a reason while its neighbours go
 * through. The structural check takes the metric as any string, so an unknown metric is reported as
 * UNKNOWN_METRIC by the catalog check rather than as MALFORMED.
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { ReadingSchema, createValidator } from '@vitals/shared';

const { metric: _metric, ...readingProperties } = ReadingSchema.properties;

export const IncomingReadingSchema = Type.Object(
  { ...readingProperties, metric: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type IncomingReading = Static<typeof IncomingReadingSchema>;
export const incomingReading = createValidator(IncomingReadingSchema);

/** A reading posted by a device directly: the cloud is its first durable hop, so id and receivedAt may be absent. */
export const DirectReadingSchema = Type.Object(
  {
    ...readingProperties,
    readingId: Type.Optional(readingProperties.readingId),
    deviceSeq: Type.Optional(readingProperties.deviceSeq),
    receivedAt: Type.Optional(readingProperties.receivedAt),
    metric: Type.String({ minLength: 1, maxLength: 64 }),
  },
  {
    additionalProperties: false,
    description:
      'A Reading whose readingId, deviceSeq and receivedAt may be omitted; without readingId the cloud derives a stable one',
  },
);
export type DirectReading = Static<typeof DirectReadingSchema>;
export const directReading = createValidator(DirectReadingSchema);

/**
 * A stable reading id for a device that sends none, so its retries stay idempotent: UUIDv7 layout whose 48-bit
 * time prefix is the measured-at time (index locality like any v7 id) and whose remaining bits come from a
 * SHA-256 of what identifies the measurement (customer, device, metric, time, sequence).
 */
export function derivedReadingId(
  customerId: string,
  deviceId: string,
  metric: string,
  measuredAtMs: number,
  deviceSeq: number,
): string {
  const digest = createHash('sha256').update(`${customerId}\n${deviceId}\n${metric}\n${measuredAtMs}\n${deviceSeq}`).digest();
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(measuredAtMs)) % 2 ** 48, 0, 6);
  digest.copy(bytes, 6, 0, 10);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
