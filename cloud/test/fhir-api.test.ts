/**
 * The FHIR R4 API against the real database and service: a real FHIR client (fhir-kit-client) pages through a
 * patient's day of readings and gets every reading exactly once, newest first; blood pressure as panels; code and
 * date searches; tenancy (another customer's resources are 404 and never in a search); SMART scopes of JWTs;
 * OperationOutcome on every error; the CapabilityStatement lists exactly what is accepted.
 */
import { Client } from 'fhir-kit-client';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_CATALOG, METRIC_CODES, type MetricCode } from '@vitals/shared';
import { startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let a: Tenant;
let b: Tenant;
/** Patient of tenant A whose device2 has a day of readings. */
let dayPatient: string;
const HOUR = 3_600_000;
const now = Date.now();
const dayStart = new Date(now - 24 * HOUR);
const dayEnd = new Date(now - 60_000);

const byLoinc = new Map<string, MetricCode>(METRIC_CODES.map((m) => [METRIC_CATALOG[m].loinc, m]));
const FHIR = 'application/fhir+json';

async function insertReadings(customerId: string, deviceId: string, fromMs: number, toMs: number, stepMs: number) {
  // Every minute the four continuous metrics; every 15 minutes an NIBP measurement (sys, dia, mean at one instant).
  await f.db.query(
    `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
     SELECT gen_random_uuid(), $1, $2, s.n, m.metric, m.base + (random() * 10)::int, m.unit, s.t, s.t
       FROM (SELECT row_number() OVER () AS n, t FROM generate_series($3::timestamptz, $4::timestamptz, $5::interval) AS t) s
       CROSS JOIN (VALUES ('heart_rate', 70, '/min'), ('spo2', 90, '%'), ('resp_rate', 14, '/min'), ('temperature', 36, 'Cel')) AS m(metric, base, unit)`,
    [customerId, deviceId, new Date(fromMs), new Date(toMs), `${stepMs} milliseconds`],
  );
  await f.db.query(
    `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
     SELECT gen_random_uuid(), $1, $2, 0, m.metric, m.base + (random() * 10)::int, 'mm[Hg]', t, t
       FROM generate_series($3::timestamptz, $4::timestamptz, '15 minutes') AS t
       CROSS JOIN (VALUES ('nibp_sys', 115), ('nibp_dia', 75), ('nibp_mean', 88)) AS m(metric, base)`,
    [customerId, deviceId, new Date(fromMs + 500), new Date(toMs)],
  );
}

beforeAll(async () => {
  f = await startStorageFixture({ createTopic: false });
  a = await f.tenant('fhir-a');
  b = await f.tenant('fhir-b');
  const p = await f.call('POST', '/v1/patients', {
    body: { customerId: a.customerId, mrn: 'DAY-1', familyName: 'Hopper', birthDate: '1906-12-09' },
  });
  dayPatient = p.body.id;
  const assigned = await f.call('POST', '/v1/assignments', {
    body: {
      customerId: a.customerId,
      deviceId: a.device2Id,
      patientId: dayPatient,
      bedId: a.bedB,
      validFrom: new Date(now - 25 * HOUR).toISOString(),
    },
  });
  expect(assigned.status).toBe(201);
  // A day of readings of the day patient, plus readings of device2 before its assignment (nobody's: never served).
  await insertReadings(a.customerId, a.device2Id, now - 25 * HOUR + 1_000, now - 2 * 60_000, 60_000);
  await insertReadings(a.customerId, a.device2Id, now - 27 * HOUR, now - 26 * HOUR, 60_000);
  // A cuff measurement whose diastolic failed: the systolic is an Observation of its own.
  await f.db.query(
    `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
     VALUES (gen_random_uuid(), $1, $2, 0, 'nibp_sys', 131, 'mm[Hg]', $3, $3)`,
    [a.customerId, a.device2Id, new Date(now - 3 * HOUR + 7_000)],
  );
  // Readings of tenant B's patient (device 1, assigned for the last hour) and of tenant A's first patient.
  await insertReadings(b.customerId, b.deviceId, now - 50 * 60_000, now - 60_000, 60_000);
  await insertReadings(a.customerId, a.deviceId, now - 50 * 60_000, now - 60_000, 60_000);
});
afterAll(async () => {
  await f?.close();
});

function client(token: string) {
  return new Client({ baseUrl: `${f.url}/fhir/r4`, bearerToken: token });
}

/** `metric|measuredAt|value` of every reading an Observation stands for. */
function readingKeys(o: Observation): string[] {
  const at = new Date(o.effectiveDateTime!).toISOString();
  const parts = o.component ?? [{ code: o.code, valueQuantity: o.valueQuantity }];
  return parts.map((c) => `${byLoinc.get(c.code.coding![0]!.code!)}|${at}|${c.valueQuantity!.value}`);
}

describe('Observation search', () => {
  it("a FHIR client pages through a patient's day and gets every reading exactly once, newest first", async () => {
    const { rows } = await f.db.query<{ key: string }>(
      `SELECT r.metric || '|' || to_char(r.measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' || r.value AS key
         FROM readings r WHERE r.device_id = $1 AND r.measured_at >= $2 AND r.measured_at <= $3`,
      [a.device2Id, dayStart, dayEnd],
    );
    expect(rows.length).toBeGreaterThan(5_000);
    const fhir = client(a.clinicianToken);
    let bundle = (await fhir.search({
      resourceType: 'Observation',
      searchParams: {
        patient: `Patient/${dayPatient}`,
        date: [`ge${dayStart.toISOString()}`, `le${dayEnd.toISOString()}`],
        _count: 500,
        _sort: '-date',
      },
    })) as unknown as Bundle<Observation>;
    const ids = new Set<string>();
    const keys: string[] = [];
    const times: number[] = [];
    let pages = 0;
    for (;;) {
      pages += 1;
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      for (const e of bundle.entry ?? []) {
        const o = e.resource!;
        expect(ids.has(o.id!), `Observation ${o.id} twice`).toBe(false);
        ids.add(o.id!);
        expect(e.fullUrl).toBe(`${f.url}/fhir/r4/Observation/${o.id}`);
        expect(o.subject).toEqual({ reference: `Patient/${dayPatient}` });
        keys.push(...readingKeys(o));
        times.push(Date.parse(o.effectiveDateTime!));
      }
      type PageOf = Parameters<typeof fhir.nextPage>[0]['bundle'];
      const next = (await fhir.nextPage({ bundle: bundle as unknown as PageOf })) as unknown as Bundle<Observation> | undefined;
      if (!next) break;
      bundle = next;
    }
    expect(pages).toBeGreaterThan(10);
    expect(keys.sort()).toEqual(rows.map((r) => r.key).sort());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it('ascending order pages the same readings oldest first', async () => {
    const q = `patient=${dayPatient}&date=ge${dayStart.toISOString()}&date=le${dayEnd.toISOString()}&_count=1000`;
    const collect = async (sort: string) => {
      const out: string[] = [];
      let url: string | undefined = `/fhir/r4/Observation?${q}&_sort=${sort}`;
      while (url) {
        const res = await f.call('GET', url, { token: a.clinicianToken });
        expect(res.status).toBe(200);
        out.push(...(res.body as Bundle<Observation>).entry!.map((e) => e.resource!.id!));
        const next = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
        url = next?.slice(f.url.length);
      }
      return out;
    };
    const desc = await collect('-date');
    expect(await collect('date')).toEqual([...desc].reverse());
  });

  it('blood pressure is one panel per measurement with systolic, diastolic and mean components', async () => {
    const res = await f.call('GET', `/fhir/r4/Observation?patient=${dayPatient}&code=85354-9&_count=5`, {
      token: a.clinicianToken,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const panels = (res.body as Bundle<Observation>).entry!.map((e) => e.resource!);
    expect(panels).toHaveLength(5);
    for (const o of panels) {
      expect(o).toMatchObject({
        resourceType: 'Observation',
        status: 'final',
        meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
        device: { reference: `Device/${a.device2Id}` },
      });
      expect(o.valueQuantity).toBeUndefined();
      expect(o.component!.map((c) => [c.code.coding![0]!.code, c.valueQuantity!.code, c.valueQuantity!.system])).toEqual([
        ['8480-6', 'mm[Hg]', 'http://unitsofmeasure.org'],
        ['8462-4', 'mm[Hg]', 'http://unitsofmeasure.org'],
        ['8478-0', 'mm[Hg]', 'http://unitsofmeasure.org'],
      ]);
    }
    const read = await f.call('GET', `/fhir/r4/Observation/${panels[0]!.id}`, { token: a.clinicianToken });
    expect(read.body).toEqual(panels[0]);
    const lone = await f.call('GET', `/fhir/r4/Observation?patient=${dayPatient}&code=http://loinc.org|8480-6`, {
      token: a.clinicianToken,
    });
    expect((lone.body as Bundle<Observation>).entry!.map((e) => e.resource!.valueQuantity!.value)).toEqual([131]);
  });

  it('code and date filter: SpO2 answers to both of its LOINC codes; eq on a minute is that minute', async () => {
    const spo2 = await f.call('GET', `/fhir/r4/Observation?patient=${dayPatient}&code=2708-6&_count=3`, {
      token: a.clinicianToken,
    });
    const o = (spo2.body as Bundle<Observation>).entry![0]!.resource!;
    expect(o.code.coding!.map((c) => c.code)).toEqual(['59408-5', '2708-6']);
    expect(o).toMatchObject({
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/oxygensat'] },
      valueQuantity: { unit: '%', code: '%' },
    });
    const minute = new Date(Date.parse(o.effectiveDateTime!)).toISOString().slice(0, 16);
    const eq = await f.call('GET', `/fhir/r4/Observation?patient=${dayPatient}&date=${minute}Z&code=8867-4,9279-1`, {
      token: a.clinicianToken,
    });
    const codes = (eq.body as Bundle<Observation>).entry!.map((e) => e.resource!.code.coding![0]!.code).sort();
    expect(codes).toEqual(['8867-4', '9279-1']);
    const other = await f.call('GET', `/fhir/r4/Observation?patient=${dayPatient}&code=http://snomed.info/sct|8867-4`, {
      token: a.clinicianToken,
    });
    expect((other.body as Bundle).entry).toEqual([]);
  });
});

describe('subject = the patient in effect at measured-at', () => {
  it('a transfer between monitors: each patient gets exactly the readings of their own assignments, paged across the change', async () => {
    const t0 = now - 3 * HOUR;
    const change = now - 2 * HOUR;
    const made = async (path: string, body: Record<string, unknown>) => {
      const res = await f.call('POST', path, { body: { customerId: a.customerId, ...body } });
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(201);
      return res.body.id as string;
    };
    const bedC = await made('/v1/beds', { departmentId: a.departmentId, label: 'C' });
    const bedD = await made('/v1/beds', { departmentId: a.departmentId, label: 'D' });
    const x = await made('/v1/patients', { mrn: 'TRANSFER-X' });
    const y = await made('/v1/patients', { mrn: 'TRANSFER-Y' });
    const m3 = await made('/v1/devices', { id: `MON-T3-${now}` });
    const m4 = await made('/v1/devices', { id: `MON-T4-${now}` });
    const iso = (ms: number) => new Date(ms).toISOString();
    await made('/v1/assignments', { deviceId: m3, patientId: x, bedId: bedC, validFrom: iso(t0), validTo: iso(change) });
    await made('/v1/assignments', { deviceId: m4, patientId: x, bedId: bedD, validFrom: iso(change) });
    await made('/v1/assignments', { deviceId: m3, patientId: y, bedId: bedC, validFrom: iso(change) });
    await insertReadings(a.customerId, m3, t0, now - 60_000, 60_000);
    await insertReadings(a.customerId, m4, t0, now - 60_000, 60_000);

    const walk = async (patient: string) => {
      const out: Observation[] = [];
      let url: string | undefined = `/fhir/r4/Observation?patient=${patient}&_count=37`;
      while (url) {
        const res = await f.call('GET', url, { token: a.clinicianToken });
        out.push(...(res.body as Bundle<Observation>).entry!.map((e) => e.resource!));
        url = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url.slice(f.url.length);
      }
      return out;
    };
    const expected = async (parts: Array<[string, number, number]>) => {
      const keys: string[] = [];
      for (const [device, from, to] of parts) {
        const { rows } = await f.db.query<{ key: string }>(
          `SELECT metric || '|' || to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' || value AS key
             FROM readings WHERE device_id = $1 AND measured_at >= $2 AND measured_at < $3`,
          [device, new Date(from), new Date(to)],
        );
        keys.push(...rows.map((r) => r.key));
      }
      return keys.sort();
    };
    const ofX = await walk(x);
    expect(ofX.flatMap(readingKeys).sort()).toEqual(
      await expected([
        [m3, t0, change],
        [m4, change, now],
      ]),
    );
    const times = ofX.map((o) => Date.parse(o.effectiveDateTime!));
    expect(times).toEqual([...times].sort((p, q) => q - p));
    expect(new Set(ofX.map((o) => o.device!.reference))).toEqual(new Set([`Device/${m3}`, `Device/${m4}`]));
    const ofY = await walk(y);
    expect(ofY.flatMap(readingKeys).sort()).toEqual(await expected([[m3, change, now]]));
    const before = ofX.find((o) => o.device!.reference === `Device/${m3}`)!;
    expect((await f.call('GET', `/fhir/r4/Observation/${before.id}`, { token: a.clinicianToken })).body.subject).toEqual({
      reference: `Patient/${x}`,
    });
    expect((await f.call('GET', `/fhir/r4/Observation/${ofY[0]!.id}`, { token: a.clinicianToken })).body.subject).toEqual({
      reference: `Patient/${y}`,
    });
  });
});

describe('tenancy', () => {
  it("another customer's resources are 404 on every read and absent from every search", async () => {
    const own = await f.call('GET', `/fhir/r4/Observation?patient=${a.patientId}&_count=1`, { token: a.clinicianToken });
    const obsId = (own.body as Bundle).entry![0]!.resource!.id!;
    for (const path of [
      `/fhir/r4/Observation/${obsId}`,
      `/fhir/r4/Patient/${a.patientId}`,
      `/fhir/r4/Device/${a.deviceId}`,
      `/fhir/r4/Location/${a.bedA}`,
      `/fhir/r4/Location/${a.departmentId}`,
    ]) {
      expect((await f.call('GET', path, { token: a.clinicianToken })).status, path).toBe(200);
      const res = await f.call('GET', path, { token: b.clinicianToken });
      expect({ path, status: res.status, issue: (res.body as OperationOutcome).issue?.[0]?.code }).toEqual({
        path,
        status: 404,
        issue: 'not-found',
      });
    }
    for (const path of [`/fhir/r4/Observation?patient=${a.patientId}`, `/fhir/r4/Patient?identifier=${a.mrn}`]) {
      const res = await f.call('GET', path, { token: b.clinicianToken });
      expect({ path, status: res.status, entries: res.body.entry }).toEqual({ path, status: 200, entries: [] });
    }
    const bPatients = new Set([`Patient/${b.patientId}`]);
    const all = await f.call('GET', '/fhir/r4/Observation?_count=1000', { token: b.clinicianToken });
    const subjects = new Set((all.body as Bundle<Observation>).entry!.map((e) => e.resource!.subject!.reference));
    expect(subjects).toEqual(bPatients);
    const patients = await f.call('GET', '/fhir/r4/Patient?_count=1000', { token: b.clinicianToken });
    expect((patients.body as Bundle).entry!.map((e) => e.resource!.id)).toEqual([b.patientId]);
    const admin = await f.call('GET', `/fhir/r4/Observation?patient=${a.patientId}&_count=1`);
    expect((admin.body as Bundle).entry).toHaveLength(1);
  });

  it('Patient, Device and Location carry the reference data', async () => {
    const p = await f.call(
      'GET',
      `/fhir/r4/Patient?identifier=${encodeURIComponent(`urn:vitals:mrn:${a.customerId}|${a.mrn}`)}`,
      { token: a.clinicianToken },
    );
    expect((p.body as Bundle).entry!.map((e) => e.resource)).toMatchObject([
      {
        resourceType: 'Patient',
        id: a.patientId,
        active: true,
        name: [{ family: 'Lovelace', given: ['Ada'] }],
        identifier: [{ value: a.mrn, type: { coding: [{ code: 'MR' }] } }],
      },
    ]);
    const wrongSystem = await f.call('GET', `/fhir/r4/Patient?identifier=urn:other|${a.mrn}`, { token: a.clinicianToken });
    expect((wrongSystem.body as Bundle).entry).toEqual([]);
    const bed = await f.call('GET', `/fhir/r4/Location/${a.bedA}`, { token: a.clinicianToken });
    expect(bed.body).toMatchObject({
      resourceType: 'Location',
      name: 'Intensive care, bed A',
      physicalType: { coding: [{ code: 'bd' }] },
      partOf: { reference: `Location/${a.departmentId}` },
    });
    const ward = await f.call('GET', `/fhir/r4/Location/${a.departmentId}`, { token: a.clinicianToken });
    expect(ward.body).toMatchObject({
      resourceType: 'Location',
      name: 'Intensive care',
      physicalType: { coding: [{ code: 'wa' }] },
    });
    const device = await f.call('GET', `/fhir/r4/Device/${a.deviceId}`, { token: a.clinicianToken });
    expect(device.body).toMatchObject({
      resourceType: 'Device',
      id: a.deviceId,
      status: 'active',
      modelNumber: 'test',
      identifier: [{ value: a.deviceId }],
    });
  });

  it('a wire device id that is no FHIR id is served under its hashed id', async () => {
    const created = await f.call('POST', '/v1/devices', {
      body: { customerId: a.customerId, id: `MON_${Date.now()}:x`, model: 'odd' },
    });
    expect(created.status).toBe(201);
    const { hashedDeviceId } = await import('../src/storage/fhir/ids.js');
    const res = await f.call('GET', `/fhir/r4/Device/${hashedDeviceId(created.body.id)}`, { token: a.clinicianToken });
    expect(res.body).toMatchObject({ resourceType: 'Device', identifier: [{ value: created.body.id }] });
    expect((await f.call('GET', `/fhir/r4/Device/${hashedDeviceId(created.body.id)}`, { token: b.clinicianToken })).status).toBe(
      404,
    );
  });
});

describe('SMART scopes of JWT callers', () => {
  const jwt = (scope: string | undefined, patient?: string) =>
    f.jwt({
      sub: 'ehr',
      role: 'clinician',
      customer: a.customerId,
      ...(scope !== undefined ? { scope } : {}),
      ...(patient ? { patient } : {}),
    });

  it('user/*.read reads everything of the customer; without a scope claim nothing', async () => {
    const user = await jwt('openid user/*.read');
    expect((await f.call('GET', `/fhir/r4/Patient/${dayPatient}`, { token: user })).status).toBe(200);
    expect(
      (await f.call('GET', `/fhir/r4/Observation?patient=${a.patientId}&_count=1`, { token: user })).body.entry,
    ).toHaveLength(1);
    const none = await f.call('GET', `/fhir/r4/Patient/${dayPatient}`, { token: await jwt(undefined) });
    expect(none.status).toBe(403);
    expect(none.body.issue[0]).toMatchObject({
      code: 'forbidden',
      details: { coding: [{ code: 'CLOUD_ERR_FHIR_INSUFFICIENT_SCOPE' }] },
    });
    const wrongType = await f.call('GET', `/fhir/r4/Observation?patient=${dayPatient}`, {
      token: await jwt('user/Patient.read'),
    });
    expect(wrongType.status).toBe(403);
  });

  it('patient/Observation.read sees only the patient in context, and nothing without one', async () => {
    const token = await jwt('patient/Observation.read', dayPatient);
    const mine = await f.call('GET', '/fhir/r4/Observation?_count=50', { token });
    expect(new Set((mine.body as Bundle<Observation>).entry!.map((e) => e.resource!.subject!.reference))).toEqual(
      new Set([`Patient/${dayPatient}`]),
    );
    expect((await f.call('GET', `/fhir/r4/Observation?patient=${a.patientId}`, { token })).body.entry).toEqual([]);
    const adas = await f.call('GET', `/fhir/r4/Observation?patient=${a.patientId}&_count=1`, { token: a.clinicianToken });
    expect((await f.call('GET', `/fhir/r4/Observation/${adas.body.entry[0].resource.id}`, { token })).status).toBe(404);
    expect((await f.call('GET', `/fhir/r4/Patient/${dayPatient}`, { token })).status).toBe(403);
    const noPatient = await f.call('GET', '/fhir/r4/Observation', { token: await jwt('patient/Observation.read') });
    expect(noPatient.status).toBe(403);
    const both = await jwt('patient/*.read', dayPatient);
    expect((await f.call('GET', `/fhir/r4/Patient/${dayPatient}`, { token: both })).status).toBe(200);
    expect((await f.call('GET', `/fhir/r4/Patient/${a.patientId}`, { token: both })).status).toBe(404);
    expect((await f.call('GET', `/fhir/r4/Device/${a.deviceId}`, { token: both })).status).toBe(200);
  });
});

describe('errors are OperationOutcomes', () => {
  it('with a 4xx status, an issue code and our error code', async () => {
    const cases: Array<[string, string | null, Record<string, string>, number, string, string]> = [
      [
        '/fhir/r4/Observation?subject=Patient/x',
        a.clinicianToken,
        {},
        400,
        'not-supported',
        'CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER',
      ],
      ['/fhir/r4/Observation?_sort=code', a.clinicianToken, {}, 400, 'not-supported', 'CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER'],
      [
        '/fhir/r4/Observation?date=ne2025-01-01',
        a.clinicianToken,
        {},
        400,
        'not-supported',
        'CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER',
      ],
      ['/fhir/r4/Observation?date=yesterday', a.clinicianToken, {}, 400, 'invalid', 'CLOUD_ERR_FHIR_INVALID_PARAMETER'],
      ['/fhir/r4/Observation?date=ge2025-01-01T10:00', a.clinicianToken, {}, 400, 'invalid', 'CLOUD_ERR_FHIR_INVALID_PARAMETER'],
      ['/fhir/r4/Observation?_count=0', a.clinicianToken, {}, 400, 'invalid', 'CLOUD_ERR_FHIR_INVALID_PARAMETER'],
      ['/fhir/r4/Observation?_cursor=garbage', a.clinicianToken, {}, 400, 'invalid', 'CLOUD_ERR_FHIR_INVALID_PARAMETER'],
      ['/fhir/r4/Patient/x?_elements=id', a.clinicianToken, {}, 400, 'not-supported', 'CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER'],
      [
        '/fhir/r4/Patient',
        a.clinicianToken,
        { accept: 'application/fhir+xml' },
        406,
        'not-supported',
        'CLOUD_ERR_FHIR_NOT_ACCEPTABLE',
      ],
      ['/fhir/r4/Patient?_format=xml', a.clinicianToken, {}, 406, 'not-supported', 'CLOUD_ERR_FHIR_NOT_ACCEPTABLE'],
      ['/fhir/r4/Patient', null, {}, 401, 'login', 'CLOUD_ERR_UNAUTHENTICATED'],
      ['/fhir/r4/Patient', a.gatewayToken, {}, 403, 'forbidden', 'CLOUD_ERR_FORBIDDEN'],
      ['/fhir/r4/Patient/00000000-0000-4000-8000-000000000000', a.clinicianToken, {}, 404, 'not-found', 'CLOUD_ERR_NOT_FOUND'],
      ['/fhir/r4/Encounter', a.clinicianToken, {}, 404, 'not-found', 'CLOUD_ERR_NOT_FOUND'],
    ];
    for (const [path, token, headers, status, issue, code] of cases) {
      const res = await f.call('GET', path, { token, headers });
      const oo = res.body as OperationOutcome;
      expect({
        path,
        status: res.status,
        type: res.headers.get('content-type'),
        issue: oo.issue?.[0]?.code,
        code: oo.issue?.[0]?.details?.coding?.[0]?.code,
      }).toEqual({
        path,
        status,
        type: `${FHIR}; charset=utf-8`,
        issue,
        code,
      });
      expect(oo.resourceType).toBe('OperationOutcome');
      expect(oo.issue![0]!.diagnostics!.length).toBeGreaterThan(5);
    }
    const post = await f.call('POST', '/fhir/r4/Observation', { token: a.clinicianToken, body: { resourceType: 'Observation' } });
    expect({ status: post.status, type: post.body.resourceType }).toEqual({ status: 404, type: 'OperationOutcome' });
  });
});

describe('settings', () => {
  it('FHIR_BASE_URL is the base of fullUrl and paging links; 429 is an OperationOutcome with Retry-After', async () => {
    const other = await startStorageFixture({
      databaseUrl: f.databaseUrl,
      createTopic: false,
      env: { FHIR_BASE_URL: 'https://ehr-gateway.example/fhir/r4/', STORAGE_RATE_LIMIT_MAX: '2' },
    });
    try {
      const res = await other.call('GET', `/fhir/r4/Observation?patient=${dayPatient}&_count=2`, { token: a.clinicianToken });
      const bundle = res.body as Bundle<Observation>;
      expect(bundle.entry![0]!.fullUrl).toBe(`https://ehr-gateway.example/fhir/r4/Observation/${bundle.entry![0]!.resource!.id}`);
      expect(bundle.link!.map((l) => l.url.split('?')[0])).toEqual([
        'https://ehr-gateway.example/fhir/r4/Observation',
        'https://ehr-gateway.example/fhir/r4/Observation',
      ]);
      await other.call('GET', '/fhir/r4/Patient', { token: a.clinicianToken });
      const limited = await other.call('GET', '/fhir/r4/Patient', { token: a.clinicianToken });
      expect({ status: limited.status, issue: limited.body.issue?.[0]?.code, type: limited.headers.get('content-type') }).toEqual(
        {
          status: 429,
          issue: 'throttled',
          type: `${FHIR}; charset=utf-8`,
        },
      );
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

describe('metadata', () => {
  it('is public and lists exactly the interactions and search parameters that are accepted', async () => {
    const res = await f.call('GET', '/fhir/r4/metadata', { token: null });
    expect(res.status).toBe(200);
    const cs = res.body as CapabilityStatement;
    expect(cs).toMatchObject({
      resourceType: 'CapabilityStatement',
      fhirVersion: '4.0.1',
      kind: 'instance',
      format: [FHIR, 'json'],
    });
    const resources = cs.rest![0]!.resource!;
    expect(resources.map((r) => [r.type, r.interaction!.map((i) => i.code)])).toEqual([
      ['Observation', ['read', 'search-type']],
      ['Patient', ['read', 'search-type']],
      ['Device', ['read']],
      ['Location', ['read']],
    ]);
    const samples: Record<string, string> = {
      patient: dayPatient,
      code: '8867-4',
      date: 'ge2025-01-01',
      _count: '1',
      _sort: 'date',
      identifier: 'DAY-1',
    };
    for (const r of resources) {
      for (const p of r.searchParam ?? []) {
        const ok = await f.call('GET', `/fhir/r4/${r.type}?${p.name}=${samples[p.name]}`, { token: a.clinicianToken });
        expect({ param: `${r.type}.${p.name}`, status: ok.status }).toEqual({ param: `${r.type}.${p.name}`, status: 200 });
      }
      if (!r.interaction!.some((i) => i.code === 'search-type')) {
        expect((await f.call('GET', `/fhir/r4/${r.type}`, { token: a.clinicianToken })).status, r.type).toBe(404);
      }
    }
  });
});
