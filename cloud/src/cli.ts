/**
 * `vitals cloud <service|all>` and `vitals admin ...`: the CLI entries of the cloud package. Commands are built
 * cheaply; a service's code is loaded only when it runs (`await import()`). SIGINT/SIGTERM close the running
 * services gracefully (in-flight requests finish, then Kafka and PostgreSQL connections close).
 */
import os from 'node:os';
import { Command, Option } from 'commander';
import { installFatalHandlers, isUuid, portOption } from '@vitals/shared';
import { ROLES, type Role } from './auth/roles.js';

export const CLOUD_SERVICES = ['storage', 'enricher', 'analytics', 'config', 'web', 'dispatcher', 'all'] as const;
export type CloudService = Exclude<(typeof CLOUD_SERVICES)[number], 'all'>;

/** Run by `all`: the alarm dispatcher sends to the hospital's receivers, so it runs only when asked for by name. */
const ALL_SERVICES: readonly CloudService[] = ['storage', 'enricher', 'analytics', 'config', 'web'];

interface Running {
  readonly url?: string;
  close(): Promise<void>;
}
type Starter = (o: { port?: number }) => Promise<Running>;

/** How each service starts (its code is loaded only then). */
const SERVICE_LOADERS: Readonly<Record<CloudService, () => Promise<Starter>>> = {
  storage: async () => {
    const { runStorage } = await import('./storage/run.js');
    return (o) => runStorage({ ...o, env: process.env });
  },
  enricher: async () => {
    const [{ loadEnricherConfig }, { startEnricher }, { startFlinkEnricher }] = await Promise.all([
      import('./enricher/config.js'),
      import('./enricher/service.js'),
      import('./enricher/flink-service.js'),
    ]);
    return async (o) => {
      const config = loadEnricherConfig(process.env, o.port === undefined ? {} : { port: o.port });
      const running = config.streamEngine === 'flink' ? await startFlinkEnricher(config) : await startEnricher(config);
      return { url: `http://127.0.0.1:${running.port}`, close: () => running.close() };
    };
  },
  analytics: async () => {
    const { runAnalytics } = await import('./cli/analytics.js');
    return (o) => runAnalytics(o);
  },
  config: async () => {
    const { runConfigService } = await import('./cli/config-service.js');
    return (o) => runConfigService({ ...o, env: process.env });
  },
  web: async () => {
    const { runWeb } = await import('./web/run.js');
    return (o) => runWeb({ ...o, env: process.env });
  },
  dispatcher: async () => {
    const { runAlarmDispatcher } = await import('./cli/alarm-dispatcher.js');
    return (o) => runAlarmDispatcher(o);
  },
};

function fail(err: unknown): never {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`vitals: error${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}\n`);
  process.exit(1);
}

async function runServices(names: readonly CloudService[], port: number | undefined): Promise<void> {
  installFatalHandlers({ name: names.length === 1 ? names[0]! : 'cloud' });
  const running: Array<{ name: string; service: Running }> = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`vitals: ${signal}: closing ${running.map((r) => r.name).join(', ')}\n`);
    const results = await Promise.allSettled(running.map((r) => r.service.close()));
    const failed = results.filter((r) => r.status === 'rejected');
    for (const f of failed) process.stderr.write(`vitals: close failed: ${String((f as PromiseRejectedResult).reason)}\n`);
    process.exit(failed.length > 0 ? 1 : 0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  try {
    for (const name of names) {
      const start = await SERVICE_LOADERS[name]();
      const service = await start({ port: names.length === 1 ? port : undefined });
      running.push({ name, service });
      process.stderr.write(`vitals: cloud ${name} listening on ${service.url ?? '(no HTTP port)'}\n`);
    }
  } catch (err) {
    await Promise.allSettled(running.map((r) => r.service.close()));
    fail(err);
  }
}

export function cloudCommand(): Command {
  return new Command('cloud')
    .description(
      `run a cloud service: ${CLOUD_SERVICES.join(', ')} (all = every service but the alarm dispatcher in one process)`,
    )
    .argument('<service>', 'service to run')
    .option(
      '--port <port>',
      'HTTP port (default per service; storage: env STORAGE_PORT, 8080; config: CONFIG_PORT, 8081; analytics: ANALYTICS_PORT, 8082; enricher: ENRICHER_PORT, 8084; dispatcher: DISPATCHER_PORT, 8085; web: WEB_PORT, 8088)',
      portOption,
    )
    .action(async (service: string, opts: { port?: number }) => {
      if (!(CLOUD_SERVICES as readonly string[]).includes(service)) {
        process.stderr.write(
          `vitals: error [CLI_ERR_USAGE]: unknown service "${service}"; choose one of ${CLOUD_SERVICES.join(', ')}\n`,
        );
        process.exit(1);
      }
      await runServices(service === 'all' ? ALL_SERVICES : [service as CloudService], opts.port);
    });
}

function roleOption(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw Object.assign(new Error(`must be one of ${ROLES.join(', ')}`), { code: 'commander.invalidArgument' });
  }
  return value as Role;
}

function uuidOption(value: string): string {
  if (!isUuid(value)) throw Object.assign(new Error('must be a UUID'), { code: 'commander.invalidArgument' });
  return value.toLowerCase();
}

interface CreateKeyOptions {
  role: Role;
  customer?: string;
  gateway?: string;
  name: string;
  expiresInDays?: number;
}

async function createKey(o: CreateKeyOptions): Promise<void> {
  const [{ loadCloudCommonConfig }, { default: pg }, { insertApiKey, checkKeyCreation }, { recordAudit }, { apiKeySpec }] =
    await Promise.all([
      import('./config.js'),
      import('pg'),
      import('./storage/reference/api-keys.js'),
      import('./storage/reference/audit.js'),
      import('./storage/reference/specs.js'),
    ]);
  const config = loadCloudCommonConfig(process.env);
  const principal = {
    kind: 'cli' as const,
    id: `${os.userInfo().username}@${os.hostname()}`,
    role: 'platform-admin' as const,
    customerId: null,
    gatewayId: null,
  };
  const key = { role: o.role, customerId: o.customer ?? null, gatewayId: o.gateway ?? null };
  checkKeyCreation(principal, key);
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: config.pgConnectTimeoutMs });
  await client.connect();
  try {
    await client.query('BEGIN');
    const expiresAt = o.expiresInDays === undefined ? null : new Date(Date.now() + o.expiresInDays * 86_400_000).toISOString();
    const { row, token } = await insertApiKey(client, { ...key, name: o.name, expiresAt, createdBy: `cli:${principal.id}` });
    await recordAudit(
      client,
      { principal, requestId: null },
      {
        action: 'create',
        entity: apiKeySpec.entity,
        entityId: String(row.id),
        customerId: key.customerId,
        before: null,
        after: apiKeySpec.toApi(row),
      },
    );
    await client.query('COMMIT');
    process.stderr.write(`vitals: created ${o.role} key ${String(row.id)} (${String(row.key_hint)}); it is shown only now:\n`);
    process.stdout.write(`${token}\n`);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/** `vitals admin create-key`: bootstraps the first platform admin (and any key, without an API call). */
export function adminCommand(): Command {
  const cmd = new Command('admin').description('administration of the cloud without the API (bootstrap)');
  cmd
    .command('create-key')
    .description('create an API key in the database at DATABASE_URL and print it (once) on stdout')
    .addOption(new Option('--role <role>', `role of the key: ${ROLES.join(', ')}`).argParser(roleOption).makeOptionMandatory())
    .option('--customer <id>', 'customer the key belongs to (required except for platform-admin)', uuidOption)
    .option('--gateway <id>', 'gateway a gateway-role key ingests as')
    .option('--name <name>', 'what the key is for', 'bootstrap')
    .option('--expires-in-days <days>', 'expiry (default: none)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0)
        throw Object.assign(new Error('must be a positive integer'), { code: 'commander.invalidArgument' });
      return n;
    })
    .action(async (o: CreateKeyOptions) => {
      try {
        await createKey(o);
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
