/**
 * The demo hospital `vitals start` runs: one customer, two departments (ICU, Ward 5) with a gateway each, beds,
 * patients, monitors assigned to them, alarm thresholds, and API keys for the dashboard and the admin portal.
 * Idempotent: a second run finds the hospital and reuses the credentials saved under the stack folder (or
 * rotates the tokens if that file is gone). A tag (`vitals start --instance <tag>`) seeds a separate hospital
 * with its own slug, gateway ids and device ids, for a second system beside the first. Demo data only: names
 * are fictional.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { generateToken, hashToken } from '@vitals/cloud';

export interface DemoWard {
  readonly code: string;
  readonly name: string;
  readonly gatewayId: string;
  readonly gatewayToken: string;
  readonly departmentId: string;
  /** Device ids are `${devicePrefix}001`, ... (the simulator's naming). */
  readonly devicePrefix: string;
  readonly beds: number;
}

export interface DemoCredentials {
  readonly customerId: string;
  readonly wards: readonly DemoWard[];
  readonly keys: { readonly platformAdmin: string; readonly customerAdmin: string; readonly clinician: string };
}

const SLUG = 'demo-general';
const WARDS = [
  { code: 'ICU', name: 'Intensive care unit', gatewayId: 'gw-demo-icu', devicePrefix: 'MON-ICU-', beds: 8 },
  { code: 'W5', name: 'Ward 5 (medical)', gatewayId: 'gw-demo-ward5', devicePrefix: 'MON-W5-', beds: 8 },
] as const;
const GIVEN = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Mara',
  'Nils',
  'Olga',
  'Pavel',
];
const FAMILY = [
  'Lovelace',
  'Okafor',
  'Moreau',
  'Patel',
  'Yilmaz',
  'Haddad',
  'Hopper',
  'Larsen',
  'Costa',
  'Berg',
  'Adeyemi',
  'Walsh',
  'Novak',
  'Lind',
  'Ivanova',
  'Horak',
];

async function one<T>(db: pg.ClientBase, sql: string, args: unknown[]): Promise<T> {
  return (await db.query(sql, args)).rows[0] as T;
}

/** The demo's names with a tag: `demo-general-t1`, `gw-demo-icu-t1`, `MON-ICU-T1-001`. */
function tagged(tag: string) {
  if (tag !== '' && !/^[a-z0-9]{1,12}$/.test(tag)) {
    throw new RangeError(`demo instance tag ${JSON.stringify(tag)} is not 1 to 12 lower-case letters or digits`);
  }
  const suffix = tag === '' ? '' : `-${tag}`;
  return {
    slug: `${SLUG}${suffix}`,
    customerName: tag === '' ? 'Demo General Hospital' : `Demo General Hospital (${tag})`,
    wards: WARDS.map((w) => ({
      ...w,
      gatewayId: `${w.gatewayId}${suffix}`,
      devicePrefix: tag === '' ? w.devicePrefix : `${w.devicePrefix}${tag.toUpperCase()}-`,
    })),
  };
}

export async function seedDemoHospital(db: pg.ClientBase, stateDir: string, tag = ''): Promise<DemoCredentials> {
  const names = tagged(tag);
  const file = path.join(stateDir, 'demo-credentials.json');
  const saved = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as DemoCredentials,
    () => undefined,
  );
  await db.query('BEGIN');
  try {
    const customer = await one<{ id: string }>(
      db,
      `INSERT INTO customers (name, slug, patient_name_policy) VALUES ($2, $1, 'full')
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [names.slug, names.customerName],
    );
    const wards: DemoWard[] = [];
    let n = 0;
    for (const w of names.wards) {
      const dept = await one<{ id: string }>(
        db,
        `INSERT INTO departments (customer_id, code, name) VALUES ($1, $2, $3)
         ON CONFLICT (customer_id, code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
        [customer.id, w.code, w.name],
      );
      const token = saved?.wards.find((s) => s.gatewayId === w.gatewayId)?.gatewayToken ?? generateToken('gateway');
      await db.query(
        `INSERT INTO gateways (id, customer_id, department_id, name, token_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET token_hash = EXCLUDED.token_hash, deleted_at = NULL`,
        [w.gatewayId, customer.id, dept.id, `${w.name} gateway`, hashToken(token)],
      );
      for (let b = 1; b <= w.beds; b++, n++) {
        const label = `${w.code}-${String(b).padStart(2, '0')}`;
        const bed = await one<{ id: string }>(
          db,
          `INSERT INTO beds (customer_id, department_id, label) VALUES ($1, $2, $3)
           ON CONFLICT (department_id, label) DO UPDATE SET label = EXCLUDED.label RETURNING id`,
          [customer.id, dept.id, label],
        );
        const mrn = `DEMO-${label}`;
        const patient =
          (
            await db.query<{ id: string }>('SELECT id FROM patients WHERE customer_id = $1 AND mrn = $2 AND deleted_at IS NULL', [
              customer.id,
              mrn,
            ])
          ).rows[0] ??
          (await one<{ id: string }>(
            db,
            'INSERT INTO patients (customer_id, mrn, given_name, family_name) VALUES ($1, $2, $3, $4) RETURNING id',
            [customer.id, mrn, GIVEN[n % GIVEN.length], FAMILY[n % FAMILY.length]],
          ));
        const deviceId = `${w.devicePrefix}${String(b).padStart(3, '0')}`;
        await db.query(
          `INSERT INTO devices (id, customer_id, model) VALUES ($1, $2, 'demo-monitor') ON CONFLICT (id) DO NOTHING`,
          [deviceId, customer.id],
        );
        await db.query(
          `INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from)
           SELECT $1, $2, $3, $4, now() - interval '1 day'
           WHERE NOT EXISTS (SELECT 1 FROM device_assignments WHERE device_id = $2 AND valid_to IS NULL)`,
          [customer.id, deviceId, patient.id, bed.id],
        );
      }
      wards.push({ ...w, gatewayToken: token, departmentId: dept.id });
      if (w.code === 'ICU') {
        await db.query(
          `INSERT INTO alert_thresholds (customer_id, scope, department_id, metric, high, low, priority, hysteresis)
           VALUES ($1, 'department', $2, 'heart_rate', 130, 45, 'medium', 3), ($1, 'department', $2, 'heart_rate', 150, 35, 'high', 3)
           ON CONFLICT DO NOTHING`,
          [customer.id, dept.id],
        );
      }
    }
    await db.query(
      `INSERT INTO alert_thresholds (customer_id, scope, metric, low, priority, hysteresis) VALUES ($1, 'customer', 'spo2', 90, 'medium', 1), ($1, 'customer', 'spo2', 85, 'high', 1)
       ON CONFLICT DO NOTHING`,
      [customer.id],
    );
    const key = async (role: string, name: string, customerId: string | null, existing: string | undefined) => {
      if (existing) {
        const found = await db.query('SELECT 1 FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hashToken(existing)]);
        if (found.rowCount) return existing;
      }
      const token = generateToken('apiKey');
      await db.query(
        `INSERT INTO api_keys (customer_id, role, name, key_hash, key_hint, created_by) VALUES ($1, $2, $3, $4, $5, 'cli:demo-seed')`,
        [customerId, role, name, hashToken(token), `${token.slice(0, 9)}…`],
      );
      return token;
    };
    const keys = {
      platformAdmin: await key('platform-admin', 'Demo platform admin', null, saved?.keys.platformAdmin),
      customerAdmin: await key('customer-admin', 'Demo customer admin', customer.id, saved?.keys.customerAdmin),
      clinician: await key('clinician', 'Demo clinician', customer.id, saved?.keys.clinician),
    };
    await db.query('COMMIT');
    const creds: DemoCredentials = { customerId: customer.id, wards, keys };
    await mkdir(stateDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
    return creds;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
