/**
 * `vitals start` (`npm start`): the whole system on local defaults, in the foreground. Brings the stack up,
 * starts every service that is part of this build, prints where to look, and on Ctrl-C stops what it started.
 */
import path from 'node:path';
import { Command } from 'commander';
import { loadStackConfig } from '../config.js';
import { describeStack, stackDown, stackStatus, stackUp } from '../stack/stack.js';
import { withClient } from '../stack/postgres.js';
import { seedDemoHospital, type DemoCredentials } from '../system/demo-seed.js';
import { superviseServices, type ServiceSpec } from '../system/supervisor.js';
import { consoleReporter, fail } from './output.js';

/** Ports of the demo: the cloud services on their defaults, one gateway per ward beside each other. */
const WARD_PORTS = [
  { http: 8090, mqtt: 1884, mllp: 2575 },
  { http: 8091, mqtt: 1886, mllp: 2576 },
];

/** The services `vitals start` runs, in start order: the cloud, a gateway per demo ward, a simulator per ward. */
export function systemServices(demo: DemoCredentials, stateDir: string): ServiceSpec[] {
  const specs: ServiceSpec[] = [{ name: 'cloud', args: ['cloud', 'all'] }];
  demo.wards.forEach((ward, i) => {
    const ports = WARD_PORTS[i]!;
    const slug = ward.code.toLowerCase();
    specs.push({
      name: `edge-${slug}`,
      args: ['edge'],
      env: {
        GATEWAY_ID: ward.gatewayId,
        GATEWAY_TOKEN: ward.gatewayToken,
        CLOUD_URL: 'http://127.0.0.1:8080',
        EDGE_CONFIG_MQTT_URL: 'mqtt://127.0.0.1:1885',
        EDGE_DATA_DIR: path.join(stateDir, `edge-${slug}`),
        EDGE_HTTP_PORT: String(ports.http),
        EDGE_MQTT_PORT: String(ports.mqtt),
        EDGE_MLLP_PORT: String(ports.mllp),
        EDGE_DEVICE_AUTH: 'allowlist',
        EDGE_DEVICE_ALLOWLIST: Array.from(
          { length: ward.beds },
          (_, b) => `${ward.devicePrefix}${String(b + 1).padStart(3, '0')}`,
        ).join(','),
      },
    });
    specs.push({
      name: `sim-${slug}`,
      args: ['sim'],
      env: {
        SIM_DEVICES: String(ward.beds),
        SIM_DEVICE_PREFIX: ward.devicePrefix,
        SIM_TRANSPORT: 'mqtt',
        SIM_MQTT_URL: `mqtt://127.0.0.1:${ports.mqtt}`,
        SIM_SCENARIO: 'mixed',
        SIM_DETERIORATION: '20m',
        SIM_RATE: '1',
        SIM_SEED: String(i + 1),
        SIM_LEDGER: path.join(stateDir, `sim-${slug}.jsonl`),
      },
    });
  });
  return specs;
}

function banner(demo: DemoCredentials): string {
  const lines = ['', 'The demo hospital is running:'];
  demo.wards.forEach((w, i) => lines.push(`  nurses' station ${w.name.padEnd(22)} http://127.0.0.1:${WARD_PORTS[i]!.http}/`));
  lines.push(
    '  dashboard and admin portal    http://127.0.0.1:8088/',
    '  storage API and docs          http://127.0.0.1:8080/docs',
    '  analytics API                 http://127.0.0.1:8082/docs',
    '  configuration API             http://127.0.0.1:8081/docs',
    '',
    'Demo logins (API keys; also saved in .stack/demo/demo-credentials.json):',
    `  customer admin  ${demo.keys.customerAdmin}`,
    `  clinician       ${demo.keys.clinician}`,
    `  platform admin  ${demo.keys.platformAdmin}`,
  );
  return lines.join('\n');
}

export function startCommand(): Command {
  return new Command('start')
    .description('start the whole system on local defaults (stack and every service); Ctrl-C stops what it started')
    .option('--keep-stack', 'leave the stack running on exit even if this command started it')
    .action(async (opts: { keepStack?: boolean }) => {
      try {
        const stack = describeStack(loadStackConfig());
        const before = await stackStatus(stack);
        const wasUp = before.every((p) => p.ok);
        await stackUp(stack, consoleReporter);
        const stateDir = path.join(stack.paths.root, 'demo');
        const demo = await withClient(stack.db.url, (c) => seedDemoHospital(c, stateDir));
        consoleReporter.info(`demo hospital ready (${demo.wards.length} wards)`);
        const services = systemServices(demo, stateDir);
        const supervisor = superviseServices(services, process.env);
        process.stdout.write(`${banner(demo)}\nPress Ctrl-C to stop.\n\n`);
        const stop = async (why: string) => {
          consoleReporter.info(`${why}: stopping`);
          await supervisor.stopAll();
          if (!wasUp && !opts.keepStack) await stackDown(stack, consoleReporter);
          process.exit(0);
        };
        process.once('SIGINT', () => void stop('interrupted'));
        process.once('SIGTERM', () => void stop('terminated'));
        const exited = await supervisor.firstExit;
        consoleReporter.warn(`${exited.name} exited with code ${exited.code}`);
        await stop('a service stopped');
      } catch (err) {
        fail(err);
      }
    });
}
