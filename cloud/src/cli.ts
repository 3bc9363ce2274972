/** `vitals cloud <service|all>`: the CLI entry of the cloud services. Builds the command cheaply; the action loads the service. */
import { Command } from 'commander';
import { portOption } from '@vitals/shared';

export const CLOUD_SERVICES = ['storage', 'enricher', 'analytics', 'config', 'all'] as const;

export function cloudCommand(): Command {
  return new Command('cloud')
    .description(`run a cloud service: ${CLOUD_SERVICES.join(', ')} (all = every service in one process)`)
    .argument('<service>', 'service to run')
    .option('--port <port>', 'HTTP port (default per service)', portOption)
    .action((service: string) => {
      if (!(CLOUD_SERVICES as readonly string[]).includes(service)) {
        process.stderr.write(
          `vitals: error [CLI_ERR_USAGE]: unknown service "${service}"; choose one of ${CLOUD_SERVICES.join(', ')}\n`,
        );
        process.exit(1);
      }
      process.stderr.write(`vitals: error [CLI_ERR_NOT_AVAILABLE]: cloud ${service} is not part of this build yet\n`);
      process.exit(1);
    });
}
