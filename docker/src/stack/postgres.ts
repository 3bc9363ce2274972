/**
 * PostgreSQL preparation for the stack: reachable, wal_level=logical (set and restart when it is the local
 * cluster and we may manage it; otherwise say exactly what to do), the database exists, and replication slots.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from '@vitals/shared';
import { StackErrors } from '../errors.js';

const run = promisify(execFile);

export interface DbTarget {
  readonly url: string;
  readonly database: string;
  /** Same server, maintenance database `postgres`. */
  readonly adminUrl: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export function dbTarget(databaseUrl: string): DbTarget {
  const u = new URL(databaseUrl);
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  return {
    url: databaseUrl,
    database,
    adminUrl: admin.toString(),
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password || ''),
  };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkReachable(target: DbTarget): Promise<void> {
  try {
    await withClient(target.adminUrl, (c) => c.query('SELECT 1'));
  } catch (err) {
    throw StackErrors.STACK_ERR_POSTGRES_UNREACHABLE.withCause(err, `${target.host}:${target.port}`, (err as Error).message);
  }
}

function isLocalHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('/');
}

/** The local Debian cluster (`<version> <name>`) serving `port`, if pg_ctlcluster manages one. */
async function localCluster(port: number): Promise<{ version: string; name: string } | undefined> {
  const versions = await readdir('/etc/postgresql').catch(() => [] as string[]);
  for (const version of versions) {
    const names = await readdir(`/etc/postgresql/${version}`).catch(() => [] as string[]);
    for (const name of names) {
      const conf = await readFile(`/etc/postgresql/${version}/${name}/postgresql.conf`, 'utf8').catch(() => '');
      const m = /^\s*port\s*=\s*(\d+)/m.exec(conf);
      if (Number(m?.[1] ?? 5432) === port) return { version, name };
    }
  }
  return undefined;
}

/**
 * Makes sure wal_level is logical. Returns what it did. Restarting PostgreSQL drops every open connection, so
 * this runs before anything else of ours connects.
 */
export async function ensureLogicalWal(
  target: DbTarget,
  mayManage: boolean,
  say: (m: string) => void,
): Promise<'ok' | 'restarted'> {
  const level = await withClient(
    target.adminUrl,
    async (c) => (await c.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level,
  );
  if (level === 'logical') return 'ok';
  const cluster = isLocalHost(target.host) ? await localCluster(target.port) : undefined;
  if (!mayManage || !cluster) {
    throw StackErrors.STACK_ERR_WAL_LEVEL(
      String(level),
      `Run "ALTER SYSTEM SET wal_level = logical;" as a superuser and restart PostgreSQL${cluster ? ` (pg_ctlcluster ${cluster.version} ${cluster.name} restart)` : ''}, then run this again.`,
    );
  }
  say(`PostgreSQL wal_level is ${level}: setting logical and restarting cluster ${cluster.version}/${cluster.name}`);
  await withClient(target.adminUrl, (c) => c.query('ALTER SYSTEM SET wal_level = logical'));
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart']).catch(async (err) => {
    // Without root, pg_ctlcluster must run as the cluster owner.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    await run('sudo', ['-n', '-u', 'postgres', 'pg_ctlcluster', cluster.version, cluster.name, 'restart']);
  });
  await waitFor(
    () => withClient(target.adminUrl, async (c) => (await c.query('SHOW wal_level')).rows[0]?.wal_level === 'logical'),
    {
      timeoutMs: 60_000,
      what: 'PostgreSQL to come back with wal_level=logical',
    },
  );
  return 'restarted';
}

export async function ensureDatabase(target: DbTarget): Promise<boolean> {
  return withClient(target.adminUrl, async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database]);
    if (exists.rowCount) return false;
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(target.database)}`);
    return true;
  });
}

export interface SlotInfo {
  readonly name: string;
  readonly database: string;
  readonly active: boolean;
  readonly retainedBytes: number;
}

export async function replicationSlot(target: DbTarget, slot: string): Promise<SlotInfo | undefined> {
  return withClient(target.adminUrl, async (c) => {
    const r = await c.query<{ database: string; active: boolean; retained: string | null }>(
      `SELECT database, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained
         FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    );
    const row = r.rows[0];
    return row ? { name: slot, database: row.database, active: row.active, retainedBytes: Number(row.retained ?? 0) } : undefined;
  });
}

/** Drops a replication slot (waiting for its consumer to let go). True if there was one. */
export async function dropReplicationSlot(target: DbTarget, slot: string): Promise<boolean> {
  const info = await replicationSlot(target, slot);
  if (!info) return false;
  await waitFor(async () => !(await replicationSlot(target, slot))?.active, {
    timeoutMs: 30_000,
    what: `slot ${slot} to be released`,
  });
  await withClient(target.adminUrl, (c) => c.query('SELECT pg_drop_replication_slot($1)', [slot]));
  return true;
}
