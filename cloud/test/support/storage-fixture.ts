/**
 * A real storage service for integration tests: its own migrated database (temporary, dropped at the end) or one
 * given, a Kafka topic of its own (created and deleted), a platform-admin key bootstrapped in the database, and
 * helpers to call the API and to build a tenant (customer, ward, beds, patient, devices, gateway, keys).
 */
import { gzipSync } from 'node:zlib';
import type { RouteOptions } from 'fastify';
import pg from 'pg';
import { newReadingId, systemClock, type Clock } from '@vitals/shared';
import { createTempDatabase, createTopic, testStackConfig, uniqueSuffix, type TempDatabase } from '@vitals/stack/testing';
import { signJwt, type JwtClaims } from '../../src/auth/jwt.js';
import { loadStorageConfig, type StorageConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { insertApiKey } from '../../src/storage/reference/api-keys.js';
import { buildStorageServer, createStorageDeps, type RunningService } from '../../src/storage/server.js';

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';

export interface CallOptions {
  readonly token?: string | null;
  readonly body?: unknown;
  /** Sent as is (Buffer or string) instead of JSON. */
  readonly raw?: Buffer | string;
  readonly gzip?: boolean;
  readonly headers?: Record<string, string>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface StorageFixture {
  readonly url: string;
  readonly databaseUrl: string;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly config: StorageConfig;
  readonly server: RunningService;
  readonly adminToken: string;
  readonly db: pg.Pool;
  call(method: string, path: string, o?: CallOptions): Promise<CallResult>;
  tenant(label?: string): Promise<Tenant>;
  jwt(claims: JwtClaims, ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export interface Tenant {
  readonly customerId: string;
  readonly departmentId: string;
  readonly bedA: string;
  readonly bedB: string;
  readonly patientId: string;
  readonly mrn: string;
  readonly deviceId: string;
  readonly device2Id: string;
  readonly gatewayId: string;
  readonly gatewayToken: string;
  readonly adminToken: string;
  readonly adminKeyId: string;
  readonly clinicianToken: string;
  readonly assignmentId: string;
}

export interface FixtureOptions {
  /** Use this database instead of a temporary one (it must be migrated). */
  readonly databaseUrl?: string;
  /** Kafka brokers (default: the shared stack's). */
  readonly brokers?: readonly string[];
  /** Create the topic (default true). */
  readonly createTopic?: boolean;
  /** Extra environment for the service's config. */
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  /** Where the service logs go (default: nowhere); with `env.LOG_LEVEL` to choose the level. */
  readonly logDestination?: { write(line: string): void };
  /** Receives every route the server registers (fastify onRoute). */
  readonly onRoute?: (route: RouteOptions) => void;
}

export async function startStorageFixture(o: FixtureOptions = {}): Promise<StorageFixture> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    let databaseUrl = o.databaseUrl;
    if (!databaseUrl) {
      const temp: TempDatabase = await createTempDatabase({ migrate: true });
      cleanups.push(() => temp.drop());
      databaseUrl = temp.url;
    }
    const brokers = o.brokers ?? testStackConfig().kafkaBrokers;
    const topic = `storage-test-${uniqueSuffix()}`;
    if (o.createTopic !== false) cleanups.push(await createTopic(brokers, topic, 3));
    const db = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    db.on('error', () => undefined);
    cleanups.push(() => db.end());
    const { token: adminToken } = await insertApiKey(db, {
      role: 'platform-admin',
      customerId: null,
      gatewayId: null,
      name: 'test bootstrap',
      expiresAt: null,
      createdBy: 'test',
    });
    const config = loadStorageConfig({
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: brokers.join(','),
      STORAGE_PORT: '0',
      STORAGE_HOST: '127.0.0.1',
      STORAGE_READINGS_TOPIC: topic,
      CLOUD_JWT_SECRET: JWT_SECRET,
      LOG_LEVEL: 'silent',
      ...o.env,
    });
    const log = createLogger({ level: config.logLevel, name: 'storage-test', destination: o.logDestination });
    const app = buildStorageServer(createStorageDeps(config, log, o.clock));
    if (o.onRoute) app.addHook('onRoute', o.onRoute);
    cleanups.push(() => app.close());
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const server: RunningService = { url: address, app, close: () => app.close() };
    const clock = o.clock ?? systemClock;

    const call = async (method: string, path: string, c: CallOptions = {}): Promise<CallResult> => {
      const headers: Record<string, string> = { ...c.headers };
      const token = c.token === undefined ? adminToken : c.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: Buffer | string | undefined = c.raw;
      if (body === undefined && c.body !== undefined && method !== 'GET' && method !== 'HEAD') {
        body = JSON.stringify(c.body);
        headers['content-type'] ??= 'application/json';
      }
      if (c.gzip && body !== undefined) {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      const res = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, headers: res.headers, body: parsed };
    };

    const must = async (method: string, path: string, body: unknown, token?: string) => {
      const r = await call(method, path, { body, token });
      if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    };

    const tenant = async (label = 'ward'): Promise<Tenant> => {
      const sfx = uniqueSuffix();
      const customer = await must('POST', '/v1/customers', {
        name: `Hospital ${label} ${sfx}`,
        slug: `h-${label}-${sfx}`.slice(0, 60),
      });
      const customerId = customer.id as string;
      const dept = await must('POST', '/v1/departments', { customerId, code: 'ICU', name: 'Intensive care' });
      const bedA = await must('POST', '/v1/beds', { customerId, departmentId: dept.id, label: 'A' });
      const bedB = await must('POST', '/v1/beds', { customerId, departmentId: dept.id, label: 'B' });
      const patient = await must('POST', '/v1/patients', {
        customerId,
        mrn: `MRN-${sfx}`,
        givenName: 'Ada',
        familyName: 'Lovelace',
      });
      const device = await must('POST', '/v1/devices', { customerId, id: `MON-${sfx}-1`, model: 'test' });
      const device2 = await must('POST', '/v1/devices', { customerId, id: `MON-${sfx}-2`, model: 'test' });
      const gateway = await must('POST', '/v1/gateways', {
        customerId,
        id: `gw-${sfx}`,
        departmentId: dept.id,
        name: 'ICU gateway',
      });
      const adminKey = await must('POST', '/v1/api-keys', { customerId, role: 'customer-admin', name: 'admin' });
      const clinicianKey = await must('POST', '/v1/api-keys', { customerId, role: 'clinician', name: 'nurse' });
      const assignment = await must('POST', '/v1/assignments', {
        customerId,
        deviceId: device.id,
        patientId: patient.id,
        bedId: bedA.id,
        validFrom: new Date(clock.now() - 3_600_000).toISOString(),
      });
      return {
        customerId,
        departmentId: dept.id,
        bedA: bedA.id,
        bedB: bedB.id,
        patientId: patient.id,
        mrn: patient.mrn,
        deviceId: device.id,
        device2Id: device2.id,
        gatewayId: gateway.gateway.id,
        gatewayToken: gateway.token,
        adminToken: adminKey.token,
        adminKeyId: adminKey.apiKey.id,
        clinicianToken: clinicianKey.token,
        assignmentId: assignment.id,
      };
    };

    return {
      url: server.url,
      databaseUrl,
      brokers,
      topic,
      config,
      server,
      adminToken,
      db,
      call,
      tenant,
      jwt: (claims, ttl) =>
        signJwt({ secret: JWT_SECRET, issuer: config.jwtIssuer, audience: config.jwtAudience, clock }, claims, ttl),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A valid reading of `deviceId`, measured `agoMs` before now. */
export function makeReading(deviceId: string, over: Record<string, unknown> = {}, nowMs = Date.now()) {
  const measuredAt = new Date(nowMs - 1_000).toISOString();
  return {
    readingId: newReadingId(nowMs),
    deviceId,
    deviceSeq: 1,
    metric: 'heart_rate',
    value: 72,
    unit: '/min',
    measuredAt,
    receivedAt: measuredAt,
    ...over,
  };
}

/** `n` distinct valid readings spread over the metrics of one device. */
export function makeReadings(deviceId: string, n: number, nowMs = Date.now()) {
  const metrics = [
    ['heart_rate', 72, '/min'],
    ['spo2', 97, '%'],
    ['resp_rate', 16, '/min'],
    ['temperature', 36.8, 'Cel'],
  ] as const;
  return Array.from({ length: n }, (_, i) => {
    const [metric, value, unit] = metrics[i % metrics.length]!;
    return makeReading(
      deviceId,
      { deviceSeq: i, metric, value, unit, measuredAt: new Date(nowMs - 60_000 + i).toISOString() },
      nowMs,
    );
  });
}
