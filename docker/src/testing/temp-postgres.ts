/**
 * A throwaway PostgreSQL cluster for fault injection (restart, stop): initdb in a temporary folder, a free port,
 * the machine's PostgreSQL binaries run as the `postgres` OS user when we are root, migrated by Flyway on request.
 * The machine's own cluster, which other suites share, is never touched.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { flyway } from '../stack/flyway.js';
import { stackPaths } from '../stack/paths.js';
import { dbTarget, withClient } from '../stack/postgres.js';
import { freePort } from './free-port.js';
import { testStackConfig } from './index.js';

const run = promisify(execFile);

export interface TempPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** `fast` (clients disconnected, clean shutdown) or `immediate` (like a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stop and start again on the same data. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

/** The newest PostgreSQL bin folder of the machine (PG_BIN overrides). */
async function pgBin(): Promise<string> {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [] as string[])).sort((a, b) => Number(b) - Number(a));
  const v = versions[0];
  if (!v) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (set PG_BIN)');
  return path.join('/usr/lib/postgresql', v, 'bin');
}

export async function startTempPostgres(
  opts: {
    migrate?: boolean;
    database?: string;
    /** Extra server settings, e.g. { wal_level: 'logical' } for Debezium. */ settings?: Record<string, string>;
  } = {},
): Promise<TempPostgres> {
  const bin = await pgBin();
  const root = await mkdtemp(path.join(os.tmpdir(), 'vitals-pg-'));
  const dataDir = path.join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const exec = async (tool: string, args: string[]) => {
    const cmd = path.join(bin, tool);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: root }) : run(cmd, args, { cwd: root });
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  const database = opts.database ?? 'vitals';
  const url = `postgres://postgres@127.0.0.1:${port}/${database}`;
  const extra = Object.entries(opts.settings ?? {})
    .map(([k, v]) => ` -c ${k}=${v}`)
    .join('');
  const serverOptions = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=100${extra}`;
  const pgCtl = (...args: string[]) => exec('pg_ctl', ['-D', dataDir, ...args]);
  const temp: TempPostgres = {
    url,
    port,
    dataDir,
    stop: async (mode = 'fast') => {
      await pgCtl('stop', '-m', mode, '-w', '-t', '60');
    },
    start: async () => {
      await pgCtl('start', '-w', '-t', '60', '-l', path.join(root, 'postgres.log'), '-o', serverOptions);
    },
    restart: async (mode = 'fast') => {
      await temp.stop(mode);
      await temp.start();
    },
    destroy: async () => {
      await pgCtl('stop', '-m', 'immediate', '-w', '-t', '30').catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await temp.start();
    await withClient(dbTarget(url).adminUrl, (c) => c.query(`CREATE DATABASE ${database}`));
    if (opts.migrate) {
      const config = testStackConfig();
      const paths = stackPaths(config.stackDir);
      await flyway('migrate', dbTarget(url), {
        mvn: config.mavenCommand,
        pom: paths.poms.flyway,
        migrationsDir: paths.migrations,
        offline: true,
      });
    }
  } catch (err) {
    await temp.destroy();
    throw err;
  }
  return temp;
}
