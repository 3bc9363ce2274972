/**
 * ORU^R01 observation reports in the IHE PCD-01 style: MDC code in OBX-3, value in OBX-5, unit in OBX-6,
 * observation time in OBX-14, device identity in OBX-18 (or MSH-3). Decoding maps source codes to catalog
 * metrics but does not judge values: validation is the receiver's job. Pure.
 */
import { METRIC_CATALOG, metricFromSourceCode, type MetricCode } from '../metric-catalog.js';
import {
  component,
  DEFAULT_ENCODING,
  escapeHl7,
  field,
  formatHl7Time,
  Hl7ParseError,
  parseHl7,
  parseHl7Time,
  type Hl7Message,
} from './message.js';

export interface OruObservation {
  readonly setId: string;
  /** OBX-3 identifier as sent (MDC numeric code, reference id, or LOINC). */
  readonly sourceCode: string;
  readonly sourceText: string;
  /** Catalog metric the code maps to; undefined for an unknown code. */
  readonly metric: MetricCode | undefined;
  readonly valueType: string;
  /** OBX-5 as sent. */
  readonly rawValue: string;
  /** OBX-5 as a number, or undefined when absent or not numeric (a probe off: absent, never 0). */
  readonly value: number | undefined;
  /** OBX-6 unit: the UCUM code or MDC dimension reference id/code, as sent. */
  readonly unit: string | undefined;
  /** OBX-14 (or the OBR-7/MSH-7 fallback) as epoch ms; NaN when unparseable, undefined when absent. */
  readonly observedAtMs: number | undefined;
  /** OBX-11 result status (F final, R unverified, X cannot be obtained, ...). */
  readonly status: string;
  /** OBX-18 equipment identifier (first component). */
  readonly equipmentId: string | undefined;
}

export interface OruMessage {
  readonly controlId: string;
  readonly messageType: string;
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly messageTimeMs: number | undefined;
  readonly version: string;
  /** Device identity: OBX-18 of the first observation that has one, else MSH-3. */
  readonly deviceId: string | undefined;
  readonly observations: readonly OruObservation[];
}

function unitOf(raw: string, enc: Hl7Message['encoding']): string | undefined {
  if (raw === '') return undefined;
  const code = component(raw, 1, enc);
  const text = component(raw, 2, enc);
  // MDC units are sent as "264864^MDC_DIM_BEAT_PER_MIN^MDC": prefer the reference id; UCUM as "/min^^UCUM".
  return text.startsWith('MDC_') ? text : code || text || undefined;
}

function timeOf(raw: string, enc: Hl7Message['encoding']): number | undefined {
  const v = component(raw, 1, enc);
  return v === '' ? undefined : parseHl7Time(v);
}

/** Decodes an ORU^R01 message; throws `Hl7ParseError` for anything that is not one. */
export function decodeOru(text: string): OruMessage {
  const msg = parseHl7(text);
  const enc = msg.encoding;
  const msh = msg.segments[0];
  const messageType = field(msh, 9);
  const type = `${component(messageType, 1, enc)}^${component(messageType, 2, enc)}`;
  if (type !== 'ORU^R01') throw new Hl7ParseError(`expected ORU^R01, got ${type}`);
  const controlId = field(msh, 10);
  if (controlId === '') throw new Hl7ParseError('MSH-10 message control id is missing');
  const messageTimeMs = timeOf(field(msh, 7), enc);
  let obrTime: number | undefined;
  const observations: OruObservation[] = [];
  for (const seg of msg.segments) {
    if (seg.id === 'OBR') obrTime = timeOf(field(seg, 7), enc);
    if (seg.id !== 'OBX') continue;
    const id = field(seg, 3);
    const sourceCode = component(id, 1, enc);
    const sourceText = component(id, 2, enc);
    const metric = metricFromSourceCode(sourceCode) ?? (sourceText ? metricFromSourceCode(sourceText) : undefined);
    const rawValue = component(field(seg, 5), 1, enc);
    const num = rawValue.trim() === '' ? Number.NaN : Number(rawValue);
    observations.push({
      setId: field(seg, 1),
      sourceCode,
      sourceText,
      metric,
      valueType: field(seg, 2),
      rawValue,
      value: Number.isFinite(num) ? num : undefined,
      unit: unitOf(field(seg, 6), enc),
      observedAtMs: timeOf(field(seg, 14), enc) ?? obrTime ?? messageTimeMs,
      status: field(seg, 11),
      equipmentId: component(field(seg, 18), 1, enc) || undefined,
    });
  }
  const sendingApplication = component(field(msh, 3), 1, enc);
  return {
    controlId,
    messageType: type,
    sendingApplication,
    sendingFacility: component(field(msh, 4), 1, enc),
    messageTimeMs,
    version: component(field(msh, 12), 1, enc),
    deviceId: observations.find((o) => o.equipmentId)?.equipmentId ?? (sendingApplication || undefined),
    observations,
  };
}

export interface OruObservationInput {
  readonly metric: MetricCode;
  readonly value: number | null;
  /** Unit to send; defaults to the metric's MDC dimension. */
  readonly unit?: string;
  readonly observedAtMs: number;
  /** Send this source code instead of the metric's first MDC code (vendor variation). */
  readonly sourceCode?: { code: string; text: string; system?: string };
}

const MDC_UNITS: Record<string, string> = {
  '/min': '264864^MDC_DIM_BEAT_PER_MIN^MDC',
  '%': '262688^MDC_DIM_PERCENT^MDC',
  'mm[Hg]': '266016^MDC_DIM_MMHG^MDC',
  Cel: '268192^MDC_DIM_DEGC^MDC',
};

/** OBX-6 of a catalog metric as PCD messages send it: the MDC dimension (code^refid^MDC), else UCUM. */
export function mdcUnitField(metric: MetricCode): string {
  const def = METRIC_CATALOG[metric];
  return metric === 'resp_rate' ? '264928^MDC_DIM_RESP_PER_MIN^MDC' : (MDC_UNITS[def.unit] ?? `${def.unit}^^UCUM`);
}

/** Encodes an ORU^R01 (PCD-01 style) for a device. Used by the simulator and by tests. */
export function encodeOru(input: {
  deviceId: string;
  controlId: string;
  messageTimeMs: number;
  observations: readonly OruObservationInput[];
  facility?: string;
}): string {
  const enc = DEFAULT_ENCODING;
  const dev = escapeHl7(input.deviceId, enc);
  const t = formatHl7Time(input.messageTimeMs);
  const segs = [
    `MSH|^~\\&|${dev}|${escapeHl7(input.facility ?? 'WARD', enc)}|VITALS-GW|HOSP|${t}||ORU^R01^ORU_R01|${escapeHl7(input.controlId, enc)}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    `OBR|1|||182777000^monitoring of patient^SNOMED-CT|||${t}`,
  ];
  input.observations.forEach((o, i) => {
    const def = METRIC_CATALOG[o.metric];
    const src = o.sourceCode ?? { code: String(def.mdc[0]!.code), text: def.mdc[0]!.refid, system: 'MDC' };
    const unit = o.unit ?? mdcUnitField(o.metric);
    const value = o.value === null ? '' : String(o.value);
    const status = o.value === null ? 'X' : 'R';
    segs.push(
      `OBX|${i + 1}|NM|${src.code}^${src.text}^${src.system ?? 'MDC'}|1.1.1.${i + 1}|${value}|${unit}|||||${status}|||${formatHl7Time(o.observedAtMs)}||||${dev}`,
    );
  });
  return segs.join('\r') + '\r';
}
