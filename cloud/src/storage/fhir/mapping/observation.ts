/**
 * Stored readings as FHIR R4 Observations in the vital-signs profiles: category `vital-signs`, LOINC code(s)
 * from the shared metric catalog, the value as a UCUM Quantity, the patient in effect at measured-at as
 * `subject`, the device, `effectiveDateTime`, status `final`. Systolic and diastolic (and mean) measured
 * together by one device become one blood-pressure panel (85354-9) with a component each. Pure: rows in,
 * resources out.
 */
import type { CodeableConcept, Observation, ObservationComponent, Quantity } from '@medplum/fhirtypes';
import { BLOOD_PRESSURE_PANEL, METRIC_CATALOG, isMetricCode, type MetricCode } from '@vitals/shared';
import { fhirDeviceId } from '../ids.js';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const SD = 'http://hl7.org/fhir/StructureDefinition';

/** The most specific R4 vital-signs profile of a metric (the generic one where FHIR has none of its own). */
export const METRIC_PROFILE: Readonly<Record<MetricCode, string>> = Object.freeze({
  heart_rate: `${SD}/heartrate`,
  spo2: `${SD}/oxygensat`,
  resp_rate: `${SD}/resprate`,
  temperature: `${SD}/bodytemp`,
  nibp_sys: `${SD}/vitalsigns`,
  nibp_dia: `${SD}/vitalsigns`,
  nibp_mean: `${SD}/vitalsigns`,
});
export const BP_PROFILE = `${SD}/bp`;

/** One stored reading with the patient in effect at its measured-at time. */
export interface ReadingSource {
  readonly readingId: string;
  readonly deviceId: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** ISO-8601 UTC. */
  readonly measuredAt: string;
  readonly patientId: string;
}

/** A reading as an Observation resource: one reading, or the systolic reading heading a BP panel. */
export interface ObservationSource extends ReadingSource {
  /** The diastolic (and mean) readings of the same measurement when this is a BP panel; absent otherwise. */
  readonly panel?: { readonly diastolic: ReadingSource; readonly mean?: ReadingSource };
}

export const VITAL_SIGNS_CATEGORY: CodeableConcept = Object.freeze({
  coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }],
  text: 'Vital Signs',
});

function metricOf(code: string): MetricCode {
  if (!isMetricCode(code)) throw new Error(`reading metric ${code} is not in the catalog`);
  return code;
}

/** LOINC coding(s) of a metric: the catalog's primary code first, then the alternates profiles expect. */
export function metricConcept(metric: MetricCode): CodeableConcept {
  const def = METRIC_CATALOG[metric];
  return {
    coding: [def.loinc, ...def.loincAlternates].map((code) => ({ system: LOINC, code })),
    text: def.displayName,
  };
}

export function quantityOf(r: Pick<ReadingSource, 'value' | 'unit'>): Quantity {
  return { value: r.value, unit: r.unit, system: UCUM, code: r.unit };
}

/** The LOINC codes a metric answers to in a `code` search (its primary code and alternates). */
export function loincCodesOf(metric: MetricCode): readonly string[] {
  const def = METRIC_CATALOG[metric];
  return [def.loinc, ...def.loincAlternates];
}

function component(r: ReadingSource): ObservationComponent {
  return { code: metricConcept(metricOf(r.metric)), valueQuantity: quantityOf(r) };
}

export function toObservation(s: ObservationSource): Observation {
  const metric = metricOf(s.metric);
  const common = {
    resourceType: 'Observation' as const,
    id: s.readingId,
    status: 'final' as const,
    category: [VITAL_SIGNS_CATEGORY],
    subject: { reference: `Patient/${s.patientId}` },
    effectiveDateTime: new Date(s.measuredAt).toISOString(),
    device: { reference: `Device/${fhirDeviceId(s.deviceId)}` },
  };
  if (s.panel) {
    if (metric !== BLOOD_PRESSURE_PANEL.systolic) throw new Error(`a BP panel is headed by its systolic reading, not ${metric}`);
    const parts = [s, s.panel.diastolic, ...(s.panel.mean ? [s.panel.mean] : [])];
    return {
      ...common,
      meta: { profile: [BP_PROFILE] },
      code: {
        coding: [{ system: LOINC, code: BLOOD_PRESSURE_PANEL.loinc }],
        text: BLOOD_PRESSURE_PANEL.displayName,
      },
      component: parts.map(component),
    };
  }
  return {
    ...common,
    meta: { profile: [METRIC_PROFILE[metric]] },
    code: metricConcept(metric),
    valueQuantity: quantityOf(s),
  };
}

/** Every reading id an Observation stands for (the panel's components included). */
export function readingIdsOf(s: ObservationSource): string[] {
  return [s.readingId, ...(s.panel ? [s.panel.diastolic.readingId, ...(s.panel.mean ? [s.panel.mean.readingId] : [])] : [])];
}
