/**
 * FHIR search parameters of the API, parsed from the query string into typed searches (pure). Anything the
 * CapabilityStatement does not list is refused with 400 (`CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER`) rather than
 * silently ignored, so a client never mistakes an unfiltered page for a filtered one.
 *
 * Dates follow FHIR's range semantics: a value stands for the interval its precision implies (`2025-03-01` is that
 * whole UTC day), and the prefixes compare intervals (`ge` = from its start, `le` = to its end, `gt`, `lt`, `eq`).
 * Times without an offset are refused; dates without a time are UTC days.
 */
import { BLOOD_PRESSURE_PANEL, METRIC_CODES, type MetricCode } from '@vitals/shared';
import { CloudErrors } from '../../errors.js';
import { LOINC, loincCodesOf } from './mapping/observation.js';
import { decodeCursor, type Cursor } from './page-cursor.js';

export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What a `code` search matches: readings of these metrics, and/or BP panels. */
export interface CodeFilter {
  readonly metrics: readonly MetricCode[];
  readonly panel: boolean;
}

export interface ObservationSearch {
  readonly patientId?: string;
  readonly code?: CodeFilter;
  /** Inclusive lower bound of measured-at, ISO-8601. */
  readonly from?: string;
  /** Exclusive upper bound of measured-at, ISO-8601. */
  readonly to?: string;
  readonly count: number;
  readonly sort: 'asc' | 'desc';
  readonly cursor?: Cursor;
}

export interface PatientSearch {
  readonly identifier?: { readonly system?: string; readonly value: string };
  readonly count: number;
  readonly afterId?: string;
}

export interface CountLimits {
  readonly defaultCount: number;
  readonly maxCount: number;
}

export const OBSERVATION_SEARCH_PARAMS = ['patient', 'code', 'date', '_count', '_sort', '_cursor', '_format'] as const;
export const PATIENT_SEARCH_PARAMS = ['identifier', '_count', '_cursor', '_format'] as const;

const invalid = (what: string, why: string) => CloudErrors.CLOUD_ERR_FHIR_INVALID_PARAMETER(what, why);

function values(q: Query, name: string): readonly string[] {
  const v = q[name];
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

function single(q: Query, name: string): string | undefined {
  const v = values(q, name);
  if (v.length > 1) throw invalid(name, 'given more than once');
  return v[0];
}

/** Refuses parameters (and modifiers such as `code:text`) outside `allowed`. */
export function refuseUnknown(q: Query, allowed: readonly string[], resource: string): void {
  for (const name of Object.keys(q)) {
    if (!allowed.includes(name)) throw CloudErrors.CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER(name, resource);
  }
}

export function parseCount(raw: string | undefined, limits: CountLimits): number {
  if (raw === undefined) return limits.defaultCount;
  if (!/^\d+$/.test(raw)) throw invalid('_count', `${raw} is not a whole number`);
  const n = Number(raw);
  if (n < 1 || n > limits.maxCount) throw invalid('_count', `must be between 1 and ${limits.maxCount}`);
  return n;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The interval [start, end) in ms that a FHIR date/dateTime value stands for. */
export function dateRange(raw: string): { start: number; end: number } {
  const m = DATE_RE.exec(raw);
  if (!m) throw invalid('date', `${raw} is not a FHIR date or dateTime`);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (h !== undefined && tz === undefined) throw invalid('date', `${raw} has a time but no time zone`);
  const offsetMs =
    tz === undefined || tz === 'Z'
      ? 0
      : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  const fracMs = frac === undefined ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  const start = Date.UTC(year, month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), fracMs) - offsetMs;
  const check = new Date(start + offsetMs);
  if (Number.isNaN(start) || check.getUTCMonth() !== month || check.getUTCDate() !== day) {
    throw invalid('date', `${raw} is not a valid date`);
  }
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) end = Date.UTC(year, month + 1, 1);
  else if (h === undefined) end = Date.UTC(year, month, day + 1);
  else if (s === undefined) end = start + 60_000;
  else if (frac === undefined) end = start + 1_000;
  else end = start + 1;
  return { start, end };
}

const PREFIXES = ['eq', 'ge', 'gt', 'le', 'lt'] as const;

/** The measured-at bounds of every `date` parameter together (they are ANDed). */
export function parseDates(raws: readonly string[]): { from?: string; to?: string } {
  let from = -Infinity;
  let to = Infinity;
  for (const raw of raws) {
    const prefixed = /^[a-z]{2}\d/.test(raw);
    const prefix = prefixed ? raw.slice(0, 2) : 'eq';
    if (!(PREFIXES as readonly string[]).includes(prefix)) {
      throw CloudErrors.CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER(`date prefix ${prefix}`, 'Observation');
    }
    const { start, end } = dateRange(prefixed ? raw.slice(2) : raw);
    if (prefix === 'eq' || prefix === 'ge') from = Math.max(from, start);
    if (prefix === 'gt') from = Math.max(from, end);
    if (prefix === 'eq' || prefix === 'le') to = Math.min(to, end);
    if (prefix === 'lt') to = Math.min(to, start);
  }
  return {
    ...(Number.isFinite(from) ? { from: new Date(from).toISOString() } : {}),
    ...(Number.isFinite(to) ? { to: new Date(to).toISOString() } : {}),
  };
}

/** One `code` parameter: comma-separated `[system|]code` tokens, ORed. Unknown codes match nothing. */
function parseCodeParam(raw: string): CodeFilter {
  const metrics = new Set<MetricCode>();
  let panel = false;
  for (const token of raw.split(',')) {
    const bar = token.indexOf('|');
    const system = bar < 0 ? undefined : token.slice(0, bar);
    const code = bar < 0 ? token : token.slice(bar + 1);
    if (code === '') throw invalid('code', `${raw} has an empty code`);
    if (system !== undefined && system !== '' && system !== LOINC) continue;
    if (code === BLOOD_PRESSURE_PANEL.loinc) panel = true;
    for (const m of METRIC_CODES) if (loincCodesOf(m).includes(code)) metrics.add(m);
  }
  return { metrics: [...metrics], panel };
}

/** Several `code` parameters are ANDed: what all of them match. */
export function parseCodes(raws: readonly string[]): CodeFilter | undefined {
  if (raws.length === 0) return undefined;
  return raws.map(parseCodeParam).reduce((a, b) => ({
    metrics: a.metrics.filter((m) => b.metrics.includes(m)),
    panel: a.panel && b.panel,
  }));
}

/** `Patient/<id>`, a URL ending so, or a bare id; the id (which may name no patient: then nothing matches). */
export function parsePatientReference(raw: string): string {
  const m = /^(?:(?:.*\/)?Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(raw);
  if (!m?.[1]) throw invalid('patient', `${raw} is not a Patient reference`);
  return m[1];
}

export function parseObservationSearch(q: Query, limits: CountLimits): ObservationSearch {
  refuseUnknown(q, OBSERVATION_SEARCH_PARAMS, 'Observation');
  const patient = single(q, 'patient');
  const sortRaw = single(q, '_sort');
  if (sortRaw !== undefined && sortRaw !== 'date' && sortRaw !== '-date') {
    throw CloudErrors.CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER(`_sort=${sortRaw}`, 'Observation');
  }
  const cursorRaw = single(q, '_cursor');
  const code = parseCodes(values(q, 'code'));
  return {
    ...(patient !== undefined ? { patientId: parsePatientReference(patient) } : {}),
    ...(code ? { code } : {}),
    ...parseDates(values(q, 'date')),
    count: parseCount(single(q, '_count'), limits),
    sort: sortRaw === 'date' ? 'asc' : 'desc',
    ...(cursorRaw !== undefined ? { cursor: decodeCursor(cursorRaw) } : {}),
  };
}

export function parsePatientSearch(q: Query, limits: CountLimits): PatientSearch {
  refuseUnknown(q, PATIENT_SEARCH_PARAMS, 'Patient');
  const identifier = single(q, 'identifier');
  const cursorRaw = single(q, '_cursor');
  let parsed: PatientSearch['identifier'];
  if (identifier !== undefined) {
    const bar = identifier.indexOf('|');
    const value = bar < 0 ? identifier : identifier.slice(bar + 1);
    const system = bar <= 0 ? undefined : identifier.slice(0, bar);
    if (value === '') throw invalid('identifier', 'the value is empty');
    parsed = { ...(system !== undefined ? { system } : {}), value };
  }
  let afterId: string | undefined;
  if (cursorRaw !== undefined) {
    const c = decodeCursor(cursorRaw);
    afterId = c.id;
  }
  return {
    ...(parsed ? { identifier: parsed } : {}),
    count: parseCount(single(q, '_count'), limits),
    ...(afterId !== undefined ? { afterId } : {}),
  };
}
