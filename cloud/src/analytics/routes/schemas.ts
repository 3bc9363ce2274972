/** Route schemas shared by the analytics REST routes (TypeBox: validation, serialisation and OpenAPI). */
import { Type } from '@sinclair/typebox';
import { MetricCodeSchema } from '@vitals/shared';
import { AggregateSchema, EmitModeSchema, GroupKindSchema, WindowSpecSchema } from '../queries/schema.js';

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });

export const QueryIdParam = Type.String({ maxLength: 63, description: 'Query id (GET /v1/analytics/queries)' });

export const WindowRepresentation = Type.Object(
  {
    metric: Type.String(),
    windowStart: Timestamp,
    windowEnd: Timestamp,
    count: Type.Optional(Type.Integer()),
    sum: Type.Optional(Type.Number()),
    avg: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    last: Type.Optional(Type.Number()),
    lastMeasuredAt: Type.Optional(Timestamp),
    revision: Type.Integer({ minimum: 1, description: 'Rises with every committed change of the window' }),
    final: Type.Boolean({ description: 'The window has closed (watermark past its end plus grace); it never changes again' }),
  },
  { additionalProperties: false, description: 'A window: its declared aggregates, revision and whether it is final' },
);

export const QueryRepresentation = Type.Object(
  {
    id: Type.String(),
    description: Type.String(),
    metrics: Type.Union([Type.Literal('*'), Type.Array(MetricCodeSchema)]),
    group: GroupKindSchema,
    window: WindowSpecSchema,
    aggregates: Type.Array(AggregateSchema),
    grace: Type.String(),
    emit: EmitModeSchema,
    retention: Type.String(),
    columns: Type.Array(Type.String(), { description: 'Columns of its WebSocket rows' }),
  },
  { additionalProperties: false, description: 'A declared window query' },
);

export const RangeQuerystring = Type.Object(
  {
    query: QueryIdParam,
    metric: MetricCodeSchema,
    from: Type.String({ format: 'date-time', description: 'Windows starting at or after this time' }),
    to: Type.String({ format: 'date-time', description: 'Windows starting before this time' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })),
  },
  { additionalProperties: false },
);
