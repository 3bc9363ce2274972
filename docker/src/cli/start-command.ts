/**
 * `vitals start` (`npm start`): the whole system on local defaults, in the foreground. Brings the stack up,
 * starts every service that is part of this build, prints where to look, and on Ctrl-C stops what it started.
 */
import { Command } from 'commander';
import { loadStackConfig } from '../config.js';
import { describeStack, stackDown, stackStatus, stackUp } from '../stack/stack.js';
import { superviseServices, type ServiceSpec } from '../system/supervisor.js';
import { consoleReporter, fail } from './output.js';

/** The services `vitals start` runs, in start order. Grows as the services land. */
export function systemServices(): ServiceSpec[] {
  return [];
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
        const services = systemServices();
        const supervisor = superviseServices(services, process.env);
        const parts = await stackStatus(stack);
        process.stdout.write(
          `\n${parts.map((p) => `  ${p.ok ? 'up  ' : 'DOWN'} ${p.part.padEnd(17)} ${p.detail}`).join('\n')}\n`,
        );
        process.stdout.write(
          services.length
            ? `\nservices: ${services.map((s) => s.name).join(', ')}\n`
            : '\nno services are part of this build yet; the stack is up.\n',
        );
        process.stdout.write('Press Ctrl-C to stop.\n');
        const stop = async (why: string) => {
          consoleReporter.info(`${why}: stopping`);
          await supervisor.stopAll();
          if (!wasUp && !opts.keepStack) await stackDown(stack, consoleReporter);
          process.exit(0);
        };
        process.once('SIGINT', () => void stop('interrupted'));
        process.once('SIGTERM', () => void stop('terminated'));
        const exited = await supervisor.firstExit;
        if (services.length) {
          consoleReporter.warn(`${exited.name} exited with code ${exited.code}`);
          await stop('a service stopped');
        }
      } catch (err) {
        fail(err);
      }
    });
}
