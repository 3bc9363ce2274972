import { describe, expect, it } from 'vitest';
import { configDocumentProblems, effectiveBands, type ThresholdBand } from '@vitals/shared';
import {
  buildEffectiveConfig,
  canonicalJson,
  contentHash,
  displayName,
  issueDocument,
  type GatewayInputs,
  type ThresholdRow,
} from './effective-config.js';

const DEPT = '00000000-0000-4000-8000-0000000000d1';
const OTHER_DEPT = '00000000-0000-4000-8000-0000000000d2';
const BED_A = '00000000-0000-4000-8000-0000000000b1';
const BED_B = '00000000-0000-4000-8000-0000000000b2';
const ADA = '00000000-0000-4000-8000-0000000000a1';
const BOB = '00000000-0000-4000-8000-0000000000a2';
const ELSEWHERE = '00000000-0000-4000-8000-0000000000a3';

const rule = (over: Partial<ThresholdRow>): ThresholdRow => ({
  scope: 'customer',
  departmentId: null,
  patientId: null,
  metric: 'heart_rate',
  low: null,
  high: 120,
  priority: 'medium',
  hysteresis: 2,
  enabled: true,
  ...over,
});

function inputs(over: Partial<GatewayInputs> = {}): GatewayInputs {
  return {
    gatewayId: 'gw-icu',
    departmentId: DEPT,
    patientNamePolicy: 'initials',
    beds: [
      { id: BED_B, label: 'B' },
      { id: BED_A, label: 'A' },
    ],
    assignments: [
      { bedId: BED_A, deviceId: 'MON-2', deviceModel: 'x1', patientId: ADA, givenName: 'ada', familyName: 'Lovelace' },
      { bedId: BED_A, deviceId: 'MON-1', deviceModel: 'x1', patientId: ADA, givenName: 'ada', familyName: 'Lovelace' },
      { bedId: BED_B, deviceId: 'MON-3', deviceModel: 'x2', patientId: BOB, givenName: null, familyName: 'Babbage' },
    ],
    thresholds: [],
    deviceSettings: [],
    ...over,
  };
}

/** The bands the gateway will evaluate for a patient, from a built document (what the edge does). */
function bandsFor(thresholds: ThresholdBand[], patientId: string | undefined, metric: 'heart_rate' | 'spo2') {
  const candidates = thresholds.filter(
    (t) => t.scope !== 'patient' || (t as ThresholdBand & { patientId?: string }).patientId === patientId,
  );
  return effectiveBands(metric, candidates).map((b) => `${b.scope}:${b.priority}:${b.low ?? ''}-${b.high ?? ''}`);
}

describe('effective configuration of a gateway', () => {
  it('lists the department beds by label with their devices and patients, and is a valid document', () => {
    const { content, problems } = buildEffectiveConfig(inputs());
    expect(problems).toEqual([]);
    expect(content.beds).toEqual([
      { bedId: BED_A, label: 'A', patient: { id: ADA, displayName: 'A. L.' }, deviceIds: ['MON-1', 'MON-2'] },
      { bedId: BED_B, label: 'B', patient: { id: BOB, displayName: 'B.' }, deviceIds: ['MON-3'] },
    ]);
    expect(configDocumentProblems(issueDocument(content, 1, Date.UTC(2026, 0, 1)))).toEqual([]);
  });

  it('an empty bed is listed without patient or devices', () => {
    const { content } = buildEffectiveConfig(inputs({ assignments: [] }));
    expect(content.beds.map((b) => [b.label, b.patient, b.deviceIds])).toEqual([
      ['A', undefined, []],
      ['B', undefined, []],
    ]);
  });

  it('shows patient names only as the customer policy allows', () => {
    expect(displayName('full', ' Ada ', 'Lovelace')).toBe('Ada Lovelace');
    expect(displayName('initials', 'ada', 'lovelace')).toBe('A. L.');
    expect(displayName('initials', 'Émile', null)).toBe('É.');
    expect(displayName('none', 'Ada', 'Lovelace')).toBeUndefined();
    expect(displayName('full', null, null)).toBeUndefined();
    expect(displayName('full', 'A'.repeat(100), 'B'.repeat(100))).toHaveLength(128);
    const none = buildEffectiveConfig(inputs({ patientNamePolicy: 'none' })).content;
    expect(none.beds[0]!.patient).toEqual({ id: ADA });
    expect(none.patientNamePolicy).toBe('none');
  });

  it('precedence: patient > department > customer > catalog, per metric', () => {
    const thresholds: ThresholdRow[] = [
      rule({ scope: 'customer', high: 110 }),
      rule({ scope: 'customer', metric: 'spo2', low: 92, high: null }),
      rule({ scope: 'department', departmentId: DEPT, high: 115 }),
      rule({ scope: 'department', departmentId: DEPT, high: 135, priority: 'high' }),
      rule({ scope: 'department', departmentId: OTHER_DEPT, high: 99 }),
      rule({ scope: 'patient', patientId: ADA, high: 130 }),
      rule({ scope: 'patient', patientId: ELSEWHERE, high: 150 }),
      rule({ scope: 'patient', patientId: BOB, metric: 'spo2', low: 85, high: null, enabled: false }),
    ];
    const { content } = buildEffectiveConfig(inputs({ thresholds }));
    // Customer heart-rate rule hidden by the department's; other departments and absent patients left out.
    expect(content.thresholds.map((t) => `${t.metric}/${t.scope}/${t.priority}/${t.high ?? t.low}`)).toEqual([
      'heart_rate/patient/medium/130',
      'heart_rate/department/medium/115',
      'heart_rate/department/high/135',
      'spo2/customer/medium/92',
    ]);
    const rules = content.thresholds as ThresholdBand[];
    expect(bandsFor(rules, ADA, 'heart_rate')).toEqual(['patient:medium:-130']);
    expect(bandsFor(rules, BOB, 'heart_rate')).toEqual(['department:medium:-115', 'department:high:-135']);
    expect(bandsFor(rules, BOB, 'spo2')).toEqual(['customer:medium:92-']);
    expect(bandsFor([], BOB, 'spo2').every((b) => b.startsWith('catalog:'))).toBe(true);
  });

  it('device settings: the device row over its model row, only for assigned devices', () => {
    const { content } = buildEffectiveConfig(
      inputs({
        deviceSettings: [
          { deviceId: null, model: 'x1', samplingIntervalMs: 2000, alarmsEnabled: true, units: {} },
          { deviceId: 'MON-2', model: null, samplingIntervalMs: 500, alarmsEnabled: false, units: { temperature: '[degF]' } },
          { deviceId: 'MON-9', model: null, samplingIntervalMs: 100, alarmsEnabled: true, units: {} },
        ],
      }),
    );
    expect(content.deviceSettings).toEqual([
      { deviceId: 'MON-1', samplingIntervalMs: 2000, alarmsEnabled: true },
      { deviceId: 'MON-2', samplingIntervalMs: 500, alarmsEnabled: false, units: { temperature: '[degF]' } },
    ]);
  });

  it('the same inputs in any order give the same content and hash', () => {
    const a = buildEffectiveConfig(inputs()).content;
    const reordered = inputs();
    const b = buildEffectiveConfig({
      ...reordered,
      beds: [...reordered.beds].reverse(),
      assignments: [...reordered.assignments].reverse(),
    }).content;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(buildEffectiveConfig(inputs({ patientNamePolicy: 'full' })).content)).not.toBe(contentHash(a));
  });

  it('two patients in one bed cannot be expressed: a build problem', () => {
    const i = inputs();
    const { problems } = buildEffectiveConfig({
      ...i,
      assignments: [...i.assignments, { ...i.assignments[2]!, bedId: BED_A, deviceId: 'MON-4' }],
    });
    expect(problems).toEqual(['bed A has devices of 2 patients assigned at once']);
  });

  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":0,"z":1}]},"b":1}');
  });
});
