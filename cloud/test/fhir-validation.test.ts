/**
 * Every resource type the FHIR API serves, taken from the running service after the demo seed (the hospital
 * `vitals start` runs: two wards, beds, patients, monitors) and a few minutes of one monitor's readings (every
 * metric, NIBP measurements, a systolic without its diastolic), passes the HAPI FHIR instance validator (R4 core
 * and vital-signs profiles, offline) with zero errors. The warnings it gives are listed in docs/fhir.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFhirValidator, seedDemoHospital, validateFhir } from '@vitals/stack/testing';
import { startStorageFixture, type StorageFixture } from './support/storage-fixture.js';

let f: StorageFixture;
let stateDir: string;
let token: string;
const demo = { deviceId: '', patientId: '', bedId: '', departmentId: '', mrn: '' };

// The validator's jars come from Maven Central the first time (about 145 MB).
beforeAll(() => prepareFhirValidator().then(() => undefined), 600_000);

beforeAll(async () => {
  f = await startStorageFixture({ createTopic: false });
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'fhir-demo-'));
  const client = await f.db.connect();
  try {
    const credentials = await seedDemoHospital(client, stateDir);
    token = credentials.keys.clinician;
    demo.departmentId = credentials.wards[0]!.departmentId;
    demo.deviceId = `${credentials.wards[0]!.devicePrefix}001`;
  } finally {
    client.release();
  }
  const { rows } = await f.db.query<{ patient_id: string; bed_id: string; mrn: string }>(
    `SELECT a.patient_id::text, a.bed_id::text, p.mrn FROM device_assignments a JOIN patients p ON p.id = a.patient_id
      WHERE a.device_id = $1 AND a.valid_to IS NULL`,
    [demo.deviceId],
  );
  Object.assign(demo, { patientId: rows[0]!.patient_id, bedId: rows[0]!.bed_id, mrn: rows[0]!.mrn });
  // Five minutes of a monitor at the demo rate (a frame a second), NIBP every minute, one failed diastolic.
  await f.db.query(
    `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
     SELECT gen_random_uuid(), d.customer_id, d.id, 0, m.metric, round((m.value + random() * m.spread)::numeric, 1), m.unit, s.t, s.t
       FROM devices d
       CROSS JOIN generate_series(now() - interval '5 minutes', now() - interval '1 second', interval '1 second') AS s(t)
       CROSS JOIN (VALUES ('heart_rate', 68.0, 20.0, '/min'), ('spo2', 94.0, 5.0, '%'), ('resp_rate', 12.0, 8.0, '/min'),
                          ('temperature', 36.4, 1.0, 'Cel')) AS m(metric, value, spread, unit)
      WHERE d.id = $1
     UNION ALL
     SELECT gen_random_uuid(), d.customer_id, d.id, 0, m.metric, m.value, 'mm[Hg]', s.t, s.t
       FROM devices d
       CROSS JOIN generate_series(now() - interval '5 minutes' + interval '500 ms', now() - interval '30 seconds', interval '1 minute') AS s(t)
       CROSS JOIN (VALUES ('nibp_sys', 121.0), ('nibp_dia', 79.0), ('nibp_mean', 93.0)) AS m(metric, value)
      WHERE d.id = $1
     UNION ALL
     SELECT gen_random_uuid(), d.customer_id, d.id, 0, 'nibp_sys', 140, 'mm[Hg]', now() - interval '10 seconds', now()
       FROM devices d WHERE d.id = $1`,
    [demo.deviceId],
  );
});
afterAll(async () => {
  await f?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function get(url: string, bearer: string | null = token) {
  const res = await f.call('GET', url, { token: bearer });
  return res.body as Record<string, unknown>;
}

async function firstObservation(code: string): Promise<Observation> {
  const b = (await get(`/fhir/r4/Observation?patient=${demo.patientId}&code=${code}&_count=1`)) as unknown as Bundle<Observation>;
  const o = b.entry?.[0]?.resource;
  expect(o, code).toBeDefined();
  return o!;
}

describe('HAPI FHIR validator', () => {
  it('accepts every resource type the API serves: zero errors', async () => {
    const resources: Record<string, unknown> = {
      'Observation heart rate': await firstObservation('8867-4'),
      'Observation SpO2': await firstObservation('59408-5'),
      'Observation respiratory rate': await firstObservation('9279-1'),
      'Observation body temperature': await firstObservation('8310-5'),
      'Observation BP panel': await firstObservation('85354-9'),
      'Observation systolic alone': await firstObservation('8480-6'),
      Patient: await get(`/fhir/r4/Patient/${demo.patientId}`),
      Device: await get(`/fhir/r4/Device/${demo.deviceId}`),
      'Location bed': await get(`/fhir/r4/Location/${demo.bedId}`),
      'Location ward': await get(`/fhir/r4/Location/${demo.departmentId}`),
      'Bundle Observation search': await get(`/fhir/r4/Observation?patient=${demo.patientId}&_count=20`),
      'Bundle Patient search': await get(`/fhir/r4/Patient?identifier=${demo.mrn}`),
      CapabilityStatement: await get('/fhir/r4/metadata', null),
      'OperationOutcome 404': await get('/fhir/r4/Patient/00000000-0000-4000-8000-000000000000'),
      'OperationOutcome 400': await get('/fhir/r4/Observation?date=yesterday'),
      'OperationOutcome 401': await get('/fhir/r4/Observation', null),
    };
    // A resource that breaks the profile, so a validator that says nothing cannot pass this test.
    const broken = { ...(resources['Observation heart rate'] as Observation), status: undefined, subject: undefined };
    const messages = await validateFhir({ ...resources, broken });
    expect(messages.filter((m) => m.name === 'broken' && m.severity === 'error').length).toBeGreaterThan(0);
    const errors = messages.filter((m) => m.name !== 'broken' && (m.severity === 'error' || m.severity === 'fatal'));
    expect(errors).toEqual([]);
    const warnings = [...new Set(messages.filter((m) => m.name !== 'broken').map((m) => `${m.severity}: ${m.message}`))];
    // The warnings are known and documented (docs/fhir.md); a new kind of warning should be looked at.
    process.stdout.write(`FHIR validator warnings:\n${warnings.map((w) => `  ${w}`).join('\n')}\n`);
  });
});
