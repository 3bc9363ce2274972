/** The PostgreSQL schema's own guarantees, against the real database migrated by Flyway. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { newReadingId } from '@vitals/shared';
import { createTempDatabase, testStackConfig, uniqueSuffix, type TempDatabase } from '../src/testing/index.js';
import { maintainReadings } from '@vitals/cloud/readings-maintenance';

const config = testStackConfig();
let db: pg.Client;

async function pgError(p: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; constraint?: string };
  }
  throw new Error('expected the statement to fail');
}

interface Ward {
  customerId: string;
  departmentId: string;
  bedA: string;
  bedB: string;
  patientId: string;
  deviceId: string;
}

async function ward(client: pg.ClientBase): Promise<Ward> {
  const sfx = uniqueSuffix();
  const customerId = (
    await client.query('INSERT INTO customers (name, slug) VALUES ($1, $2) RETURNING id', [`Hospital ${sfx}`, `h-${sfx}`])
  ).rows[0].id;
  const departmentId = (
    await client.query('INSERT INTO departments (customer_id, code, name) VALUES ($1, $2, $3) RETURNING id', [
      customerId,
      'ICU',
      'ICU',
    ])
  ).rows[0].id;
  const bed = async (label: string) =>
    (
      await client.query('INSERT INTO beds (customer_id, department_id, label) VALUES ($1, $2, $3) RETURNING id', [
        customerId,
        departmentId,
        label,
      ])
    ).rows[0].id as string;
  const patientId = (
    await client.query('INSERT INTO patients (customer_id, mrn) VALUES ($1, $2) RETURNING id', [customerId, `M-${sfx}`])
  ).rows[0].id;
  const deviceId = `MON-${sfx}`;
  await client.query('INSERT INTO devices (id, customer_id, model) VALUES ($1, $2, $3)', [deviceId, customerId, 'test']);
  return { customerId, departmentId, bedA: await bed('A'), bedB: await bed('B'), patientId, deviceId };
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: config.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

describe('device assignments', () => {
  it('refuses an overlapping assignment of one device, and accepts the adjacent one', async () => {
    const w = await ward(db);
    const assign = (from: string, to: string | null, bed = w.bedA) =>
      db.query(
        'INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from, valid_to) VALUES ($1,$2,$3,$4,$5,$6)',
        [w.customerId, w.deviceId, w.patientId, bed, from, to],
      );
    await assign('2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z');
    const err = await pgError(assign('2026-01-01T11:00:00Z', null));
    expect(err.code).toBe('23P01');
    expect(err.constraint).toBe('device_assignments_no_overlap');
    // [10:00, 12:00) and [12:00, ...) touch but do not overlap: a transfer at 12:00.
    await expect(assign('2026-01-01T12:00:00Z', null)).resolves.toBeDefined();
  });

  it('refuses a patient in two beds at once', async () => {
    const w = await ward(db);
    const device2 = `${w.deviceId}-2`;
    await db.query('INSERT INTO devices (id, customer_id) VALUES ($1, $2)', [device2, w.customerId]);
    await db.query(
      'INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from) VALUES ($1,$2,$3,$4,$5)',
      [w.customerId, w.deviceId, w.patientId, w.bedA, '2026-02-01T00:00:00Z'],
    );
    const err = await pgError(
      db.query(
        'INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from) VALUES ($1,$2,$3,$4,$5)',
        [w.customerId, device2, w.patientId, w.bedB, '2026-02-02T00:00:00Z'],
      ),
    );
    expect(err.constraint).toBe('device_assignments_patient_one_bed');
  });

  it('refuses a bed that points at another customer\u2019s department', async () => {
    const a = await ward(db);
    const b = await ward(db);
    const err = await pgError(
      db.query('INSERT INTO beds (customer_id, department_id, label) VALUES ($1, $2, $3)', [a.customerId, b.departmentId, 'X']),
    );
    expect(err.code).toBe('23503');
  });
});

describe('readings', () => {
  it('stores the same reading id once however often it is inserted', async () => {
    const w = await ward(db);
    const id = newReadingId();
    const measuredAt = new Date().toISOString();
    const insert = () =>
      db.query(
        `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
         VALUES ($1, $2, $3, 1, 'heart_rate', 72, '/min', $4, now()) ON CONFLICT DO NOTHING`,
        [id, w.customerId, w.deviceId, measuredAt],
      );
    expect((await insert()).rowCount).toBe(1);
    expect((await insert()).rowCount).toBe(0);
    const n = await db.query('SELECT count(*)::int AS n FROM readings WHERE reading_id = $1', [id]);
    expect(n.rows[0].n).toBe(1);
  });

  it('bumps row_version on every update of a reference row (the ETag of the APIs)', async () => {
    const w = await ward(db);
    const before = (await db.query('SELECT row_version FROM patients WHERE id = $1', [w.patientId])).rows[0].row_version;
    await db.query('UPDATE patients SET given_name = $2 WHERE id = $1', [w.patientId, 'Ada']);
    const after = (await db.query('SELECT row_version FROM patients WHERE id = $1', [w.patientId])).rows[0].row_version;
    expect(after).toBe(before + 1);
  });
});

describe('db maintain', () => {
  let temp: TempDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    temp = await createTempDatabase({ migrate: true });
    client = new pg.Client({ connectionString: temp.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await temp?.drop();
  });

  it('creates coming partitions, moves early arrivals out of the default partition, drops expired days', async () => {
    const now = new Date();
    const future = new Date(now.getTime() + 20 * 86_400_000);
    const w = await ward(client);
    await client.query(
      `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
       VALUES ($1, $2, $3, 1, 'spo2', 97, '%', $4, now())`,
      [newReadingId(), w.customerId, w.deviceId, future],
    );
    expect((await client.query('SELECT count(*)::int AS n FROM readings_default')).rows[0].n).toBe(1);
    // Two reading-id claims: one of a day past retention, one of today.
    const [oldId, todayId] = [newReadingId(), newReadingId()];
    await client.query('INSERT INTO reading_ids (reading_id, measured_at) VALUES ($1, $2), ($3, $4)', [
      oldId,
      new Date(now.getTime() - 2 * 86_400_000),
      todayId,
      now,
    ]);

    const r = await maintainReadings(client, { now, partitionsAhead: 3, retentionMs: 1 * 86_400_000 });
    const futureName = `readings_p${future.toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(r.created).toContain(futureName);
    expect(r.defaultRows).toBe(0);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${futureName}`)).rows[0].n).toBe(1);
    // Migration V2 made partitions from two days back; with a retention of one day those older days go.
    const twoDaysAgo = new Date(now.getTime() - 2 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    expect(r.dropped).toContain(`readings_p${twoDaysAgo}`);
    // The claims of the dropped days go with them; today's stays.
    expect(r.idsDeleted).toBe(1);
    const left = await client.query<{ id: string }>(
      'SELECT reading_id::text AS id FROM reading_ids WHERE reading_id = ANY($1::uuid[])',
      [[oldId, todayId]],
    );
    expect(left.rows.map((x) => x.id)).toEqual([todayId]);

    const again = await maintainReadings(client, { now, partitionsAhead: 3, retentionMs: 1 * 86_400_000 });
    expect(again.created).toEqual([]);
    expect(again.dropped).toEqual([]);
    expect(again.idsDeleted).toBe(0);
  });
});
