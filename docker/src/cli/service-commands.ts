/**
 * Server subcommands: `cloud <service|all>`, `edge`, `sim`, and `start` (everything). Each takes `--port`
 * (and its environment variable) so several can run side by side.
 */
import { Command, InvalidArgumentError } from 'commander';
import { fail } from './output.js';

export const CLOUD_SERVICES = ['storage', 'enricher', 'analytics', 'config', 'all'] as const;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

function notBuilt(what: string, issue: number): never {
  fail(Object.assign(new Error(`${what} is not part of this build yet (issue #${issue})`), { code: 'CLI_ERR_NOT_AVAILABLE' }));
}

export function serviceCommands(): Command[] {
  const cloud = new Command('cloud')
    .description(`run a cloud service: ${CLOUD_SERVICES.join(', ')} (all = every service in one process)`)
    .argument('<service>', 'service to run')
    .option('--port <port>', 'HTTP port (default per service; env STORAGE_PORT, CONFIG_PORT, ANALYTICS_PORT)', port)
    .action((service: string) => {
      if (!(CLOUD_SERVICES as readonly string[]).includes(service)) {
        fail(
          Object.assign(new Error(`unknown service "${service}"; choose one of ${CLOUD_SERVICES.join(', ')}`), {
            code: 'CLI_ERR_USAGE',
          }),
        );
      }
      notBuilt(`cloud ${service}`, service === 'enricher' ? 5 : service === 'analytics' ? 6 : service === 'config' ? 7 : 4);
    });
  const edge = new Command('edge')
    .description('run the ward edge gateway')
    .option(
      '--port <port>',
      'HTTP port of the nurses\u2019 view and operations endpoints (env EDGE_HTTP_PORT, default 8090)',
      port,
    )
    .action(() => notBuilt('the edge gateway', 3));
  const sim = new Command('sim')
    .description('run simulated bedside monitors')
    .option('--port <port>', 'port of the simulator control API (env SIM_PORT)', port)
    .action(() => notBuilt('the device simulator', 3));
  return [cloud, edge, sim];
}
