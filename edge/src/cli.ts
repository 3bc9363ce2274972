/** `vitals edge`: the CLI entry of the gateway. Builds the command cheaply; the action loads the gateway. */
import { Command } from 'commander';
import { portOption } from '@vitals/shared';

export function edgeCommand(): Command {
  return new Command('edge')
    .description('run the ward edge gateway')
    .option('--port <port>', 'HTTP port (env EDGE_HTTP_PORT, default 8090)', portOption)
    .action(() => {
      process.stderr.write('vitals: error [CLI_ERR_NOT_AVAILABLE]: the edge gateway is not part of this build yet (issue #3)\n');
      process.exit(1);
    });
}
