/** `vitals`: one CLI for the local stack, the database, every service, the gateway and the simulator. */
import { Command } from 'commander';
import { dbCommand } from './db-command.js';
import { flinkCommand } from './flink-command.js';
import { serviceCommands } from './service-commands.js';
import { stackCommand } from './stack-command.js';
import { startCommand } from './start-command.js';
import { stopWithSupervisor } from '../system/foreground.js';

export function buildCli(): Command {
  const program = new Command('vitals')
    .description('Bedside vital-sign monitoring platform')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(`vitals: ${s}`) });
  program.addCommand(stackCommand());
  program.addCommand(dbCommand());
  program.addCommand(flinkCommand());
  for (const c of serviceCommands()) program.addCommand(c);
  program.addCommand(startCommand());
  return program;
}

// A service under `vitals start` stops itself when its supervisor is gone (even killed with SIGKILL); its output
// pipe then breaks too, which must not cut its clean shutdown short.
const supervised = stopWithSupervisor(process.env);
// `vitals stack status | head` closes our stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (!supervised) process.exit(process.exitCode ?? 0);
});
if (supervised) {
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

await buildCli().parseAsync(process.argv);
