/**
 * Window definitions from their file: parsed, validated (schema first, then the rules a schema cannot say), and
 * compiled into `WindowQuery` objects with durations in milliseconds. Pure apart from `loadQueriesFile`.
 */
import { readFileSync } from 'node:fs';
import { createValidator, parse, type MetricCode } from '@vitals/shared';
import { AnalyticsErrors } from '../errors.js';
import {
  QueriesFileSchema,
  QueryDefinitionSchema,
  type AggregateName,
  type EmitMode,
  type GroupKind,
  type QueryDefinition,
} from './schema.js';

export interface WindowShape {
  readonly kind: 'tumbling' | 'hopping';
  readonly sizeMs: number;
  /** Step between window starts; equals `sizeMs` for tumbling windows. */
  readonly advanceMs: number;
}

export interface WindowQuery {
  readonly id: string;
  readonly description: string;
  /** Undefined: every metric. */
  readonly metrics: ReadonlySet<MetricCode> | undefined;
  readonly group: GroupKind;
  readonly window: WindowShape;
  readonly aggregates: readonly AggregateName[];
  readonly graceMs: number;
  readonly emit: EmitMode;
  readonly retentionMs: number;
  /** The definition as written. */
  readonly definition: QueryDefinition;
}

export const DEFAULT_RETENTION = '7d';
const MIN_SIZE_MS = 1_000;
const MAX_SIZE_MS = 86_400_000;
const MAX_WINDOWS_PER_READING = 60;

const fileValidator = createValidator(QueriesFileSchema);
const queryValidator = createValidator(QueryDefinitionSchema);

function compileOne(def: QueryDefinition, at: string, problems: string[]): WindowQuery | undefined {
  const before = problems.length;
  const sizeMs = parse.duration(def.window.size);
  const advanceMs = def.window.type === 'hopping' ? parse.duration(def.window.advance) : sizeMs;
  const graceMs = parse.duration(def.grace);
  const retentionMs = parse.duration(def.retention ?? DEFAULT_RETENTION);
  if (sizeMs < MIN_SIZE_MS || sizeMs > MAX_SIZE_MS) problems.push(`${at}/window/size: must be between 1s and 1d`);
  if (def.window.type === 'hopping') {
    if (advanceMs <= 0 || advanceMs > sizeMs) problems.push(`${at}/window/advance: must be more than 0 and at most the size`);
    else if (sizeMs % advanceMs !== 0) problems.push(`${at}/window/advance: must divide the size`);
    else if (sizeMs / advanceMs > MAX_WINDOWS_PER_READING) {
      problems.push(`${at}/window/advance: at most ${MAX_WINDOWS_PER_READING} windows may overlap (size / advance)`);
    }
  }
  if (graceMs > MAX_SIZE_MS) problems.push(`${at}/grace: must be at most 1d`);
  if (retentionMs < sizeMs + graceMs) problems.push(`${at}/retention: must be at least size + grace`);
  if (problems.length > before) return undefined;
  return Object.freeze({
    id: def.id,
    description: def.description ?? '',
    metrics: def.metrics === '*' ? undefined : new Set(def.metrics),
    group: def.group,
    window: Object.freeze({ kind: def.window.type, sizeMs, advanceMs }),
    aggregates: Object.freeze([...def.aggregates]),
    graceMs,
    emit: def.emit,
    retentionMs,
    definition: def,
  });
}

/** Validates and compiles the parsed content of a definitions file; `source` names it in errors. */
export function compileQueries(content: unknown, source: string): readonly WindowQuery[] {
  const problems: string[] = fileValidator.problems(content).map((p) => `file${p}`);
  if (problems.length > 0) throw AnalyticsErrors.ANALYTICS_ERR_QUERY_INVALID(source, problems.join('\n  - '));
  const raw = (content as { queries: unknown[] }).queries;
  const out: WindowQuery[] = [];
  const seen = new Set<string>();
  raw.forEach((q, i) => {
    const id = typeof (q as { id?: unknown })?.id === 'string' ? (q as { id: string }).id : undefined;
    const at = `queries[${i}]${id ? ` (${id})` : ''}`;
    const shape = queryValidator.problems(q, 20);
    if (shape.length > 0) {
      problems.push(...shape.map((p) => `${at}${p}`));
      return;
    }
    const def = q as QueryDefinition;
    if (seen.has(def.id)) problems.push(`${at}/id: ${def.id} is declared twice`);
    seen.add(def.id);
    const compiled = compileOne(def, at, problems);
    if (compiled) out.push(compiled);
  });
  if (problems.length > 0) throw AnalyticsErrors.ANALYTICS_ERR_QUERY_INVALID(source, problems.join('\n  - '));
  return Object.freeze(out);
}

/** Reads, parses and compiles a definitions file (JSON). */
export function loadQueriesFile(file: string): readonly WindowQuery[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw AnalyticsErrors.ANALYTICS_ERR_QUERIES_FILE.withCause(err, file, (err as Error).message);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (err) {
    throw AnalyticsErrors.ANALYTICS_ERR_QUERIES_FILE.withCause(err, file, `not JSON: ${(err as Error).message}`);
  }
  return compileQueries(content, file);
}

/** What must never change under a query id once rows exist: a different shape would mix windows in one table. */
export function queryShape(q: WindowQuery): { group: GroupKind; window: string } {
  return { group: q.group, window: `${q.window.kind}:${q.window.sizeMs}:${q.window.advanceMs}` };
}
