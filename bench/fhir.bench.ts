/**
 * FHIR API benchmark: `GET /fhir/r4/Observation` for one patient's last 24 hours at the demo's data rate (a monitor
 * sends a frame a second: heart rate, SpO2, respiratory rate and temperature, plus an NIBP measurement every 5
 * minutes: about 346,000 readings per bed and day), with 4 beds in the table. Figures: p50/p99 of the first page
 * (`_count=50`, newest first), of a page deep in the day (keyset cursors from a full walk), of a BP-panel search
 * (`code=85354-9`, the sparse case), and readings/s when a client pages through the whole day with `_count=1000`.
 * Baseline: the same page as a plain SQL index range scan from a pg client, without the assignment join, the
 * BP grouping or the HTTP and JSON work. The service runs as its own process (`vitals cloud storage`).
 */
import pg from 'pg';
import { createTempDatabase, testStackConfig, uniqueSuffix } from '@vitals/stack/testing';
import { insertApiKey } from '../cloud/src/storage/reference/api-keys.js';
import { percentile, type Benchmark, type Figure } from './harness.js';
import { api, startService } from './storage.bench.js';

const BEDS = 4;
const FIRST_PAGES = 200;
const DEEP_PAGES = 100;
const HOUR = 3_600_000;

async function timed(n: number, call: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    out.push(performance.now() - t);
  }
  return out;
}

async function getJson(url: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  return body;
}

const nextOf = (b: Record<string, unknown>) =>
  (b.link as Array<{ relation: string; url: string }>).find((l) => l.relation === 'next')?.url;

const fhir: Benchmark = async () => {
  const stack = testStackConfig();
  const db = await createTempDatabase({ migrate: true });
  const cleanups: Array<() => Promise<unknown>> = [() => db.drop()];
  try {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    cleanups.push(() => pool.end());
    const { token: admin } = await insertApiKey(pool, {
      role: 'platform-admin',
      customerId: null,
      gatewayId: null,
      name: 'bench',
      expiresAt: null,
      createdBy: 'bench',
    });
    const service = await startService({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      STORAGE_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      STORAGE_MAINTENANCE_INTERVAL: '0',
      STORAGE_RATE_LIMIT_MAX: '1000000',
    });
    cleanups.push(() => service.stop());
    const url = service.url;
    const sfx = uniqueSuffix();
    const customerId = (await api(url, admin, 'POST', '/v1/customers', { name: 'Bench', slug: `bench-fhir-${sfx}` }))
      .id as string;
    const dept = await api(url, admin, 'POST', '/v1/departments', { customerId, code: 'ICU', name: 'ICU' });
    const now = Date.now();
    const patients: string[] = [];
    const devices: string[] = [];
    for (let i = 0; i < BEDS; i++) {
      const bed = await api(url, admin, 'POST', '/v1/beds', { customerId, departmentId: dept.id, label: `B${i}` });
      const patient = await api(url, admin, 'POST', '/v1/patients', { customerId, mrn: `B-${i}` });
      const device = await api(url, admin, 'POST', '/v1/devices', { customerId, id: `FHIR-${sfx}-${i}` });
      await api(url, admin, 'POST', '/v1/assignments', {
        customerId,
        deviceId: device.id,
        patientId: patient.id,
        bedId: bed.id,
        validFrom: new Date(now - 25 * HOUR).toISOString(),
      });
      patients.push(patient.id as string);
      devices.push(device.id as string);
      await pool.query(
        `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
         SELECT gen_random_uuid(), $1::uuid, $2, 0, m.metric, m.value + (random() * 5)::int, m.unit, t, t
           FROM generate_series($3::timestamptz, $4::timestamptz, interval '1 second') AS t
           CROSS JOIN (VALUES ('heart_rate', 70, '/min'), ('spo2', 95, '%'), ('resp_rate', 14, '/min'), ('temperature', 36, 'Cel')) AS m(metric, value, unit)
         UNION ALL
         SELECT gen_random_uuid(), $1::uuid, $2, 0, m.metric, m.value + (random() * 5)::int, 'mm[Hg]', t, t
           FROM generate_series($3::timestamptz, $4::timestamptz, interval '5 minutes') AS t
           CROSS JOIN (VALUES ('nibp_sys', 120), ('nibp_dia', 78), ('nibp_mean', 92)) AS m(metric, value)`,
        [customerId, device.id, new Date(now - 24 * HOUR), new Date(now)],
      );
    }
    await pool.query('ANALYZE readings');
    const clinician = (await api(url, admin, 'POST', '/v1/api-keys', { customerId, role: 'clinician', name: 'bench' }))
      .token as string;
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM readings WHERE device_id = $1', [
      devices[0],
    ]);
    const perBed = rows[0]!.n;
    const since = new Date(now - 24 * HOUR).toISOString();
    const search = (p: string, extra = '') => `${url}/fhir/r4/Observation?patient=${p}&date=ge${since}${extra}`;

    // Warm up (connections, plans), then the first page of every bed in turn.
    for (const p of patients) await getJson(search(p, '&_count=50'), clinician);
    const first = await timed(FIRST_PAGES, (i) =>
      getJson(search(patients[i % BEDS]!, '&_count=50'), clinician).then(() => undefined),
    );
    const raw = await timed(FIRST_PAGES, async (i) => {
      await pool.query(
        `SELECT * FROM readings WHERE customer_id = $1 AND device_id = $2 AND measured_at >= $3
          ORDER BY measured_at DESC, reading_id DESC LIMIT 51`,
        [customerId, devices[i % BEDS], since],
      );
    });
    const panels = await timed(50, (i) =>
      getJson(search(patients[i % BEDS]!, '&code=85354-9&_count=50'), clinician).then(() => undefined),
    );

    // A client walking the whole day of one patient with _count=1000.
    const cursors: string[] = [];
    let readings = 0;
    const walkStart = performance.now();
    let next: string | undefined = search(patients[0]!, '&_count=1000');
    while (next) {
      const b = await getJson(next, clinician);
      for (const e of (b.entry as Array<{ resource: { component?: unknown[] } }>) ?? [])
        readings += e.resource.component?.length ?? 1;
      next = nextOf(b);
      if (next) cursors.push(next.replace('_count=1000', '_count=50'));
    }
    const walkSeconds = (performance.now() - walkStart) / 1000;
    if (readings !== perBed) throw new Error(`the walk saw ${readings} readings of ${perBed}`);
    const deep = await timed(DEEP_PAGES, (i) =>
      getJson(cursors[Math.floor((i * cursors.length) / DEEP_PAGES)]!, clinician).then(() => undefined),
    );

    const detail = `${perBed.toLocaleString('en-US')} readings per bed and day, ${BEDS} beds`;
    const rawP50 = percentile(raw, 50);
    const figures: Figure[] = [
      {
        name: 'first page p50 (_count=50, last 24 h)',
        value: percentile(first, 50),
        unit: 'ms',
        baseline: { name: 'SQL page p50', value: rawP50 },
        detail,
      },
      {
        name: 'first page p99',
        value: percentile(first, 99),
        unit: 'ms',
        baseline: { name: 'SQL page p99', value: percentile(raw, 99) },
      },
      {
        name: 'deep page p50 (keyset cursor)',
        value: percentile(deep, 50),
        unit: 'ms',
        baseline: { name: 'SQL page p50', value: rawP50 },
      },
      { name: 'deep page p99', value: percentile(deep, 99), unit: 'ms' },
      { name: 'BP panel search p50 (code=85354-9, _count=50)', value: percentile(panels, 50), unit: 'ms' },
      { name: 'BP panel search p99', value: percentile(panels, 99), unit: 'ms' },
      {
        name: 'whole day paged (_count=1000)',
        value: readings / walkSeconds,
        unit: 'readings/s',
        detail: `${cursors.length + 1} pages in ${walkSeconds.toFixed(1)} s`,
      },
    ];
    return {
      component: 'fhir',
      figures,
      notes: [
        'one HTTP client, requests one after another; the service is its own process on the same machine',
        'the BP panel search reads every reading of the range until it has 50 panels (one in 1,200 readings is a systolic): the index has no metric column',
      ],
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
};

export default fhir;
