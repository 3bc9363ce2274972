/**
 * The window definitions file (docs/analytics.md): one TypeBox schema, from which the types, the validation at
 * start-up and the REST description of the queries all come.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MetricCodeSchema } from '@vitals/shared';

export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
const Duration = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, description: `${description} (e.g. 30s, 5m, 7d)` });

export const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max', 'last'] as const;
export type AggregateName = (typeof AGGREGATES)[number];
export const AggregateSchema = Type.Union(
  AGGREGATES.map((a) => Type.Literal(a)),
  { description: 'count, sum, avg (sum / count), min, max, last (value with the latest measured-at time)' },
);

export const TumblingWindowSchema = Type.Object(
  { type: Type.Literal('tumbling'), size: Duration('Window length') },
  { additionalProperties: false, description: 'Back-to-back windows [k*size, (k+1)*size) aligned to the UTC epoch' },
);
export const HoppingWindowSchema = Type.Object(
  {
    type: Type.Literal('hopping'),
    size: Duration('Window length'),
    advance: Duration('Step between window starts; divides size'),
  },
  { additionalProperties: false, description: 'Overlapping windows [k*advance, k*advance+size) aligned to the UTC epoch' },
);
export const WindowSpecSchema = Type.Union([TumblingWindowSchema, HoppingWindowSchema]);

export const GroupKindSchema = Type.Union([Type.Literal('patient'), Type.Literal('department')], {
  description: 'What a window aggregates over, beside the metric: one patient, or every patient of a department',
});
export type GroupKind = Static<typeof GroupKindSchema>;

export const EmitModeSchema = Type.Union([Type.Literal('changes'), Type.Literal('final')], {
  description: 'changes: an update with a rising revision per committed batch; final: one result once the window closed',
});
export type EmitMode = Static<typeof EmitModeSchema>;

export const QUERY_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

export const QueryDefinitionSchema = Type.Object(
  {
    id: Type.String({
      pattern: QUERY_ID_PATTERN,
      description: 'Stable id; rows are stored under it (never reuse it for another window)',
    }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    metrics: Type.Union([Type.Literal('*'), Type.Array(MetricCodeSchema, { minItems: 1, uniqueItems: true })], {
      description: 'Source metrics, or "*" for every metric; windows are always per metric',
    }),
    group: GroupKindSchema,
    window: WindowSpecSchema,
    aggregates: Type.Array(AggregateSchema, { minItems: 1, uniqueItems: true }),
    grace: Duration('How long after its end a window still accepts readings'),
    emit: EmitModeSchema,
    retention: Type.Optional(Duration('How long rows are kept after the window ended (default 7d, at least size + grace)')),
  },
  { additionalProperties: false },
);
export type QueryDefinition = Static<typeof QueryDefinitionSchema>;

export const QueriesFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Literal(1, { description: 'Format version of this file' }),
    queries: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
