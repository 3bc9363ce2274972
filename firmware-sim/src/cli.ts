/** `vitals sim`: the CLI entry of the device simulator. Builds the command cheaply; the action loads the simulator. */
import { Command } from 'commander';
import { portOption } from '@vitals/shared';

export function simCommand(): Command {
  return new Command('sim')
    .description('run simulated bedside monitors')
    .option('--port <port>', 'port of the simulator control API (env SIM_PORT)', portOption)
    .action(() => {
      process.stderr.write(
        'vitals: error [CLI_ERR_NOT_AVAILABLE]: the device simulator is not part of this build yet (issue #3)\n',
      );
      process.exit(1);
    });
}
