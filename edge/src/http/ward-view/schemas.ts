/**
 * What the nurses' station page receives: the snapshot (`GET /api/ward`, also the first event of the stream) and
 * the events of `GET /api/ward/events` (SSE). One schema per message; the page imports the types only.
 * Times are milliseconds since the epoch on the gateway's clock (`serverTime` lets the page correct its own).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Ms = Type.Number({ description: 'ms since the epoch (gateway clock)' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MetricInfoSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  unit: Type.String({ description: 'Canonical UCUM unit' }),
  label: Type.String({ description: 'Unit as shown to people (mmHg, °C, bpm, ...)' }),
  decimals: Type.Integer(),
});
export type MetricInfo = Static<typeof MetricInfoSchema>;

export const LatestValueSchema = Type.Object({ value: Type.Number(), unit: Type.String(), measuredAt: Ms, receivedAt: Ms });
export type LatestValueView = Static<typeof LatestValueSchema>;

export const TrendPointSchema = Type.Tuple([Ms, Type.Number()], { description: '[bucket start, average]' });
export type TrendPointView = Static<typeof TrendPointSchema>;

export const PresenceSchema = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown')]);
export type Presence = Static<typeof PresenceSchema>;

export const DeviceViewSchema = Type.Object({
  deviceId: Type.String(),
  presence: PresenceSchema,
  presenceSince: Type.Union([Ms, Type.Null()]),
  latest: Type.Record(Type.String(), LatestValueSchema),
  trend: Type.Record(Type.String(), Type.Array(TrendPointSchema)),
});
export type DeviceView = Static<typeof DeviceViewSchema>;

export const BedViewSchema = Type.Object({
  bedId: Type.String(),
  label: Type.String(),
  patient: Type.Union([Type.Object({ id: Type.String(), displayName: Type.Optional(Type.String()) }), Type.Null()]),
  deviceIds: Type.Array(Type.String()),
});
export type BedView = Static<typeof BedViewSchema>;

export const UplinkViewSchema = Type.Object({
  enabled: Type.Boolean(),
  state: Type.String({ description: 'disabled, idle, sending, retrying, open' }),
  down: Type.Boolean({ description: 'The last attempts to reach the cloud failed' }),
  consecutiveFailures: Type.Number(),
  lastError: Nullable(Type.String()),
  lastSuccessAt: Nullable(Type.String()),
});
export type UplinkView = Static<typeof UplinkViewSchema>;

export const BufferViewSchema = Type.Object({
  readings: Type.Number(),
  unsent: Type.Number(),
  oldestUnsentAgeSeconds: Type.Number(),
  bytesUsed: Type.Number(),
  capacityBytes: Type.Number(),
});
export type BufferView = Static<typeof BufferViewSchema>;

export const StatusEventSchema = Type.Object({ serverTime: Ms, uplink: UplinkViewSchema, buffer: BufferViewSchema });
export type StatusEvent = Static<typeof StatusEventSchema>;

export const AlarmPrioritySchema = Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')]);

export const AlarmViewSchema = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  bedId: Nullable(Type.String()),
  bedLabel: Nullable(Type.String()),
  patientName: Nullable(Type.String()),
  metric: Type.String(),
  side: Type.String({ description: 'low or high' }),
  limit: Type.Union([Type.Number(), Type.Null()]),
  value: Type.Number(),
  priority: AlarmPrioritySchema,
  since: Ms,
  acknowledged: Type.Boolean(),
  acknowledgedBy: Nullable(Type.String()),
});
export type AlarmView = Static<typeof AlarmViewSchema>;

export const AlarmsEventSchema = Type.Object({
  items: Type.Array(AlarmViewSchema, { description: 'Active local alarms, highest priority first' }),
});
export type AlarmsEvent = Static<typeof AlarmsEventSchema>;

export const BedsEventSchema = Type.Object({
  configVersion: Type.Union([Type.Integer(), Type.Null()]),
  beds: Type.Union([Type.Array(BedViewSchema), Type.Null()], { description: 'null: no bed mapping has arrived yet' }),
});
export type BedsEvent = Static<typeof BedsEventSchema>;

export const WardSnapshotSchema = Type.Object(
  {
    gatewayId: Type.String(),
    serverTime: Ms,
    metrics: Type.Array(MetricInfoSchema),
    trendBucketMs: Type.Number(),
    trendWindowMs: Type.Number(),
    devices: Type.Array(DeviceViewSchema),
    status: StatusEventSchema,
    alarms: AlarmsEventSchema,
    beds: BedsEventSchema,
  },
  { $id: 'WardSnapshot' },
);
export type WardSnapshot = Static<typeof WardSnapshotSchema>;

export const ReadingsEventSchema = Type.Object({
  readings: Type.Array(
    Type.Object({
      deviceId: Type.String(),
      metric: Type.String(),
      value: Type.Number(),
      unit: Type.String(),
      measuredAt: Ms,
      receivedAt: Ms,
    }),
  ),
  trend: Type.Array(Type.Object({ deviceId: Type.String(), metric: Type.String(), point: TrendPointSchema })),
});
export type ReadingsEvent = Static<typeof ReadingsEventSchema>;

export const PresenceEventSchema = Type.Object({ deviceId: Type.String(), presence: PresenceSchema, at: Ms });
export type PresenceEvent = Static<typeof PresenceEventSchema>;

/** Event names of the stream and their payloads. */
export interface WardEvents {
  snapshot: WardSnapshot;
  readings: ReadingsEvent;
  presence: PresenceEvent;
  status: StatusEvent;
  alarms: AlarmsEvent;
  beds: BedsEvent;
}
