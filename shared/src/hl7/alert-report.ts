/**
 * ORU^R40 alert reports (HL7 v2.6, IHE PCD-04 Alert Communication Management): one message per phase of an
 * alarm (start, update, end), each naming the alarm by the same identifier (OBR-2), its phase, state, priority
 * and type in the ACM OBX rows, the patient (PID), the bed (PV1) and the observation that triggered it.
 * docs/alarms.md has the field-by-field mapping. Pure: text in, text out.
 */
import { METRIC_CATALOG, metricFromSourceCode, type AlarmPriority, type MetricCode } from '../metric-catalog.js';
import {
  component,
  DEFAULT_ENCODING,
  escapeHl7,
  field,
  formatHl7Time,
  Hl7ParseError,
  parseHl7,
  parseHl7Time,
} from './message.js';
import { mdcUnitField } from './oru.js';

/** ACM event phase (OBX MDC_ATTR_EVENT_PHASE): the first message, a change (priority, value, re-send), the last. */
export type AlertPhase = 'start' | 'update' | 'end';

/** IHE PCD alarm priority (OBX MDC_ATTR_ALARM_PRIORITY, OBX-8 interpretation): PH high, PM medium, PL low. */
export type AcmPriority = 'PH' | 'PM' | 'PL';

/** IHE PCD alert type: SP physiological, ST technical. */
export type AcmAlertType = 'SP' | 'ST';

const ACM_PRIORITY: Readonly<Record<AlarmPriority, AcmPriority>> = { high: 'PH', medium: 'PM', low: 'PL' };

/** Our IEC 60601-1-8 priority to the PCD-04 one. */
export function acmPriority(p: AlarmPriority): AcmPriority {
  return ACM_PRIORITY[p];
}

/** IEEE 11073 event codes (OBX-5 of the MDC_EVT_ALARM row). */
const EVENT = {
  alarm: '196616^MDC_EVT_ALARM^MDC',
  high: '196648^MDC_EVT_HI^MDC',
  low: '196670^MDC_EVT_LO^MDC',
} as const;

export interface AlertReportPatient {
  /** Our patient id (PID-3, assigning authority VITALS, type PI). */
  readonly id: string;
  /** Medical record number (PID-3 first repetition, type MR). */
  readonly mrn?: string;
  /** PID-5 as allowed by the customer's name policy (empty when none). */
  readonly familyName?: string;
  readonly givenName?: string;
}

export interface AlertReportInput {
  /** MSH-10: derived from alert id, phase and sequence by the sender, so a re-send carries the same one. */
  readonly controlId: string;
  readonly messageTimeMs: number;
  /** OBR-2 placer identifier: the same for every message of one alarm. */
  readonly alertId: string;
  readonly phase: AlertPhase;
  readonly priority: AlarmPriority;
  readonly category: 'physiological' | 'technical';
  /** `low`, `high` (beyond a limit) or a technical condition such as `device-offline`. */
  readonly condition: string;
  /** When this phase happened (OBR-7; OBX-14 of the event row). */
  readonly eventTimeMs: number;
  readonly patient: AlertReportPatient;
  /** PV1-3: department (point of care), bed, facility. */
  readonly location: { readonly pointOfCare?: string; readonly bed?: string; readonly facility?: string };
  readonly deviceId: string;
  /** The observation that triggered this phase (absent for a technical alarm without a value). */
  readonly observation?: { readonly metric: MetricCode; readonly value: number; readonly observedAtMs: number };
  /** MDC_ATTR_ALERT_TEXT; defaults to a text built from the metric and condition. */
  readonly text?: string;
  readonly sendingFacility?: string;
  readonly receivingApplication?: string;
  readonly receivingFacility?: string;
}

function alertText(a: AlertReportInput): string {
  if (a.text) return a.text;
  if (a.observation) {
    const def = METRIC_CATALOG[a.observation.metric];
    return `${def.displayName} ${a.condition} ${a.observation.value} ${def.unit}`;
  }
  return a.condition.replace(/-/g, ' ');
}

/** Encodes an ORU^R40 alert report. */
export function encodeAlertReport(a: AlertReportInput): string {
  const e = (v: string | undefined) => escapeHl7(v ?? '', DEFAULT_ENCODING);
  const t = formatHl7Time(a.messageTimeMs);
  const at = formatHl7Time(a.eventTimeMs);
  const priority = acmPriority(a.priority);
  const type: AcmAlertType = a.category === 'technical' ? 'ST' : 'SP';
  const abnormal = a.condition === 'high' ? 'H' : a.condition === 'low' ? 'L' : '';
  const event =
    a.category === 'physiological' && (a.condition === 'high' || a.condition === 'low') ? EVENT[a.condition] : EVENT.alarm;
  const state = a.phase === 'end' ? 'inactive' : 'active';
  const dev = e(a.deviceId);
  const mdc = a.observation ? METRIC_CATALOG[a.observation.metric].mdc[0]! : undefined;
  // Sub-ids (OBX-4) of the ACM rows: <device>.<channel>.<metric>.<row>, as PCD-04 numbers an alert's rows.
  const base = `1.1.${mdc ? mdc.code : 0}`;
  const pid3 = [
    ...(a.patient.mrn ? [`${e(a.patient.mrn)}^^^${e(a.sendingFacility ?? 'HOSP')}^MR`] : []),
    `${e(a.patient.id)}^^^VITALS^PI`,
  ];
  const segs = [
    `MSH|^~\\&|VITALS^${dev}|${e(a.sendingFacility ?? 'HOSP')}|${e(a.receivingApplication)}|${e(a.receivingFacility)}|${t}||ORU^R40^ORU_R40|${e(a.controlId)}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO`,
    `PID|||${pid3.join('~')}||${e(a.patient.familyName)}^${e(a.patient.givenName)}`,
    `PV1||I|${e(a.location.pointOfCare)}^^${e(a.location.bed)}^${e(a.location.facility)}`,
    `OBR|1|${e(a.alertId)}^VITALS||196616^MDC_EVT_ALARM^MDC|||${at}${a.phase === 'end' ? `|${at}` : ''}`,
    `OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|${base}.1|${event}^^^^^^${e(a.condition)}||${[abnormal, priority, type].filter((x) => x).join('~')}|||F|||${at}||||${dev}`,
  ];
  let n = 1;
  if (a.observation && mdc) {
    segs.push(
      `OBX|${++n}|NM|${mdc.code}^${mdc.refid}^MDC|${base}.2|${a.observation.value}|${mdcUnitField(a.observation.metric)}||${abnormal}|||F|||${formatHl7Time(a.observation.observedAtMs)}||||${dev}`,
    );
  }
  segs.push(
    `OBX|${++n}|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|${base}.3|${a.phase}||||||F`,
    `OBX|${++n}|ST|68482^MDC_ATTR_ALARM_STATE^MDC|${base}.4|${state}||||||F`,
    `OBX|${++n}|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|${base}.6|${priority}||||||F`,
    `OBX|${++n}|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|${base}.7|${type}||||||F`,
    `OBX|${++n}|ST|68546^MDC_ATTR_ALERT_TEXT^MDC|${base}.8|${e(alertText(a))}||||||F`,
  );
  return segs.join('\r') + '\r';
}

export interface DecodedAlertReport {
  readonly controlId: string;
  readonly messageType: string;
  readonly alertId: string;
  readonly phase: string;
  readonly alarmState: string;
  readonly priority: string;
  readonly alertType: string;
  /** The event reference id (MDC_EVT_HI, MDC_EVT_LO, MDC_EVT_ALARM). */
  readonly event: string;
  readonly condition: string;
  readonly eventTimeMs: number | undefined;
  readonly patientIds: readonly string[];
  readonly location: string;
  readonly metric: MetricCode | undefined;
  readonly value: number | undefined;
  readonly text: string;
}

/** Decodes an ORU^R40 into the fields receivers act on; throws `Hl7ParseError` for anything else. */
export function decodeAlertReport(text: string): DecodedAlertReport {
  const msg = parseHl7(text);
  const enc = msg.encoding;
  const msh = msg.segments[0];
  const type = `${component(field(msh, 9), 1, enc)}^${component(field(msh, 9), 2, enc)}`;
  if (type !== 'ORU^R40') throw new Hl7ParseError(`expected ORU^R40, got ${type}`);
  const controlId = component(field(msh, 10), 1, enc);
  if (controlId === '') throw new Hl7ParseError('MSH-10 message control id is missing');
  const seg = (id: string) => msg.segments.find((s) => s.id === id);
  const obx = msg.segments.filter((s) => s.id === 'OBX');
  const row = (refid: string) => obx.find((s) => component(field(s, 3), 2, enc) === refid);
  const value = (refid: string) => component(field(row(refid), 5), 1, enc);
  const numeric = obx.find((s) => field(s, 2) === 'NM');
  const num = numeric ? Number(component(field(numeric, 5), 1, enc)) : Number.NaN;
  const eventRow = row('MDC_EVT_ALARM');
  const pid3 = field(seg('PID'), 3);
  const time = component(field(seg('OBR'), 7), 1, enc);
  return {
    controlId,
    messageType: type,
    alertId: component(field(seg('OBR'), 2), 1, enc),
    phase: value('MDC_ATTR_EVENT_PHASE'),
    alarmState: value('MDC_ATTR_ALARM_STATE'),
    priority: value('MDC_ATTR_ALARM_PRIORITY'),
    alertType: value('MDC_ATTR_ALERT_TYPE'),
    event: component(field(eventRow, 5), 2, enc),
    condition: component(field(eventRow, 5), 9, enc),
    eventTimeMs: time === '' ? undefined : parseHl7Time(time),
    patientIds: pid3 === '' ? [] : pid3.split(enc.repetition).map((r) => component(r, 1, enc)),
    location: field(seg('PV1'), 3),
    metric: numeric ? metricFromSourceCode(component(field(numeric, 3), 1, enc)) : undefined,
    value: Number.isFinite(num) ? num : undefined,
    text: value('MDC_ATTR_ALERT_TEXT'),
  };
}
