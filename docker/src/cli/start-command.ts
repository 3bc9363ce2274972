/**
 * `vitals start` (`npm start`): the whole system on local defaults, in the foreground. Brings the stack up,
 * seeds the demo hospital, starts the cloud, a gateway per demo ward and a simulator per ward (each once the one
 * before is ready), prints where to look, shows warnings and a periodic summary, and on Ctrl-C stops what it
 * started.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadStackConfig } from '../config.js';
import { describeStack, stackDown, stackStatus, stackUp } from '../stack/stack.js';
import { withClient } from '../stack/postgres.js';
import { seedDemoHospital, type DemoCredentials } from '../system/demo-seed.js';
import { takeStartLock, watchStopRequests, type StartLock } from '../system/foreground.js';
import { killNow, startServices, type ServiceSpec } from '../system/supervisor.js';
import { cloudEnv, edgeEnv, systemPorts, type SystemPorts } from '../system/system-ports.js';
import { wardSummary, type WardOverview, type WardStatus } from '../system/ward-summary.js';
import { consoleReporter, fail } from './output.js';

/** The services `vitals start` runs, in start order: the cloud, a gateway per demo ward, a simulator per ward. */
export function systemServices(demo: DemoCredentials, ports: SystemPorts, stateDir: string): ServiceSpec[] {
  const specs: ServiceSpec[] = [
    {
      name: 'cloud',
      args: ['cloud', 'all'],
      env: cloudEnv(ports),
      readyUrls: [
        `http://127.0.0.1:${ports.storage}/readyz`,
        `http://127.0.0.1:${ports.config}/healthz`,
        `http://127.0.0.1:${ports.analytics}/healthz`,
        `http://127.0.0.1:${ports.web}/healthz`,
      ],
    },
  ];
  const sims: ServiceSpec[] = [];
  demo.wards.forEach((ward, i) => {
    const wardPorts = ports.wards[i]!;
    const slug = ward.code.toLowerCase();
    specs.push({
      name: `edge-${slug}`,
      args: ['edge'],
      env: {
        ...edgeEnv(ports, i),
        GATEWAY_ID: ward.gatewayId,
        GATEWAY_TOKEN: ward.gatewayToken,
        EDGE_DATA_DIR: path.join(stateDir, `edge-${slug}`),
        EDGE_DEVICE_AUTH: 'allowlist',
        EDGE_DEVICE_ALLOWLIST: Array.from(
          { length: ward.beds },
          (_, b) => `${ward.devicePrefix}${String(b + 1).padStart(3, '0')}`,
        ).join(','),
      },
      readyUrls: [`http://127.0.0.1:${wardPorts.http}/healthz`],
    });
    sims.push({
      name: `sim-${slug}`,
      args: ['sim'],
      env: {
        SIM_DEVICES: String(ward.beds),
        SIM_DEVICE_PREFIX: ward.devicePrefix,
        SIM_TRANSPORT: 'mqtt',
        SIM_MQTT_URL: `mqtt://127.0.0.1:${wardPorts.mqtt}`,
        SIM_SCENARIO: 'mixed',
        SIM_DETERIORATION: '20m',
        SIM_RATE: '1',
        SIM_SEED: String(i + 1),
        SIM_LEDGER: path.join(stateDir, `sim-${slug}.jsonl`),
      },
    });
  });
  return [...specs, ...sims];
}

function banner(demo: DemoCredentials, ports: SystemPorts, stateDir: string, flinkUi?: string): string {
  const rel = path.relative(process.cwd(), stateDir) || '.';
  const lines = ['', 'The demo hospital is running:'];
  demo.wards.forEach((w, i) => lines.push(`  nurses' station ${w.name.padEnd(22)} http://127.0.0.1:${ports.wards[i]!.http}/`));
  lines.push(
    `  dashboard and admin portal             http://127.0.0.1:${ports.web}/`,
    `  storage API and docs                   http://127.0.0.1:${ports.storage}/docs`,
    `  analytics API and docs                 http://127.0.0.1:${ports.analytics}/docs`,
    `  configuration API and docs             http://127.0.0.1:${ports.config}/docs`,
    ...(flinkUi ? [`  Flink web UI (enricher, analytics)     ${flinkUi}`] : []),
    '',
    `Demo logins (API keys; also saved in ${path.join(rel, 'demo-credentials.json')}):`,
    `  customer admin  ${demo.keys.customerAdmin}`,
    `  clinician       ${demo.keys.clinician}`,
    `  platform admin  ${demo.keys.platformAdmin}`,
    '',
    `Each service's full log is in ${path.join(rel, 'logs')}/; warnings and errors show here.`,
  );
  return lines.join('\n');
}

async function getJson<T>(url: string, token?: string): Promise<T | null> {
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(2_000),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

/** One line per ward: the gateway's status and what the dashboard shows of the ward (the pipeline's end). */
async function summaryLine(demo: DemoCredentials, ports: SystemPorts): Promise<string> {
  const parts = await Promise.all(
    demo.wards.map(async (w, i) => {
      const [status, overview] = await Promise.all([
        getJson<WardStatus>(`http://127.0.0.1:${ports.wards[i]!.http}/api/status`),
        getJson<WardOverview>(
          `http://127.0.0.1:${ports.analytics}/v1/analytics/departments/${w.departmentId}/overview`,
          demo.keys.clinician,
        ),
      ]);
      return wardSummary(w.code, status, overview, Date.now());
    }),
  );
  return parts.join('; ');
}

function whole(name: string, min: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return n;
  };
}

function instanceTag(raw: string): string {
  if (!/^[a-z0-9]{1,12}$/.test(raw)) throw new InvalidArgumentError('must be 1 to 12 lower-case letters or digits');
  return raw;
}

interface StartOptions {
  engine?: 'node' | 'flink';
  keepStack?: boolean;
  portOffset: number;
  instance?: string;
  verbose?: boolean;
  summaryEvery: number;
}

export function startCommand(): Command {
  return new Command('start')
    .description('start the whole system on local defaults (stack and every service); Ctrl-C stops what it started')
    .option(
      '--engine <engine>',
      'stream engine of the enricher and analytics: flink also starts the Flink session cluster and runs both as Flink jobs (default: STREAM_ENGINE)',
      (raw: string) => {
        if (raw !== 'node' && raw !== 'flink') throw new InvalidArgumentError('must be node or flink');
        return raw;
      },
    )
    .option('--keep-stack', 'leave the stack running on exit even if this command started it')
    .option(
      '--port-offset <n>',
      'move every service port by n (to run a second system beside the first)',
      whole('--port-offset', 0),
      0,
    )
    .option('--instance <tag>', 'seed and run a separate demo hospital named by tag (state in .stack/demo-<tag>)', instanceTag)
    .option('--verbose', 'show every log line of every service on the terminal')
    .option(
      '--summary-every <seconds>',
      'print a one-line summary per ward this often (0: never)',
      whole('--summary-every', 0),
      60,
    )
    .action(async (opts: StartOptions) => {
      let stopping: ((why: string, code: number) => Promise<void>) | undefined;
      const starting = new AbortController();
      const spawned = new Set<ChildProcess>();
      const stackConfig = loadStackConfig(process.env, opts.engine ? { streamEngine: opts.engine } : {});
      const stack = describeStack(stackConfig);
      const tag = opts.instance ?? '';
      const stateDir = path.join(stack.paths.root, tag === '' ? 'demo' : `demo-${tag}`);
      // One supervisor per state folder, checked before anything starts.
      let lock: StartLock;
      try {
        mkdirSync(stateDir, { recursive: true });
        lock = takeStartLock(path.join(stateDir, 'start.lock'));
      } catch (err) {
        fail(err);
      }
      process.once('exit', () => lock.release());
      // The first stop request (Ctrl-C, SIGTERM, the terminal closing, the output pipe breaking) stops every
      // service cleanly; a second Ctrl-C says so; a third kills them all at once. The children run in their own
      // process groups, so this process must never exit and leave them behind.
      let requests = 0;
      watchStopRequests((why) => {
        requests++;
        if (requests === 1) {
          if (stopping) void stopping(why, 0);
          else starting.abort();
        } else if (why === 'output closed' || why === 'hung up') {
          // Nobody is there to press Ctrl-C again: the clean stop goes on.
        } else if (requests === 2) {
          consoleReporter.warn('still stopping the services cleanly; press Ctrl-C again to kill them at once');
        } else {
          for (const child of spawned) killNow(child);
          consoleReporter.warn('killed every service');
          process.exit(130);
        }
      });
      let wasUp = true;
      try {
        wasUp = (await stackStatus(stack)).every((p) => p.ok);
        await stackUp(stack, consoleReporter);
        const demo = await withClient(stack.db.url, (c) => seedDemoHospital(c, stateDir, tag));
        const ports = systemPorts(demo.wards.length, opts.portOffset);
        consoleReporter.info(`demo hospital ready (${demo.wards.length} wards); starting the services`);
        const supervisor = await startServices(systemServices(demo, ports, stateDir), {
          baseEnv: { ...process.env, STREAM_ENGINE: stackConfig.streamEngine },
          logDir: path.join(stateDir, 'logs'),
          verbose: opts.verbose ?? false,
          signal: starting.signal,
          onChild: (child) => spawned.add(child),
        });
        const timer =
          opts.summaryEvery > 0
            ? setInterval(() => {
                void summaryLine(demo, ports).then((line) => process.stdout.write(`summary  | ${line}\n`));
              }, opts.summaryEvery * 1000)
            : undefined;
        stopping = async (why, code) => {
          stopping = async () => undefined;
          clearInterval(timer);
          consoleReporter.info(`${why}: stopping`);
          await supervisor.stopAll();
          if (!wasUp && !opts.keepStack) await stackDown(stack, consoleReporter);
          consoleReporter.info('stopped');
          process.exit(code);
        };
        const flinkUi = stackConfig.streamEngine === 'flink' ? stackConfig.flinkRestUrl : undefined;
        process.stdout.write(`${banner(demo, ports, stateDir, flinkUi)}\nPress Ctrl-C to stop.\n\n`);
        const exited = await supervisor.firstExit;
        consoleReporter.warn(`${exited.name} exited with code ${exited.code}`);
        await stopping('a service stopped', 1);
      } catch (err) {
        if (!wasUp && !opts.keepStack) await stackDown(stack, consoleReporter).catch(() => undefined);
        fail(err);
      }
    });
}
