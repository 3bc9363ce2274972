import { Command, Option } from 'commander';
import { loadStackConfig } from '../config.js';
import { describeStack, stackDown, stackStatus, stackUp } from '../stack/stack.js';
import { consoleReporter, fail } from './output.js';

export function stackCommand(): Command {
  const cmd = new Command('stack').description(
    'Run the local infrastructure without Docker: PostgreSQL (migrated), Kafka, Kafka Connect + Debezium (and a Flink session cluster with --engine flink)',
  );
  cmd
    .command('up')
    .description(
      'fetch jars, prepare and migrate PostgreSQL, start Kafka and Kafka Connect, create topics, register the CDC connector (idempotent)',
    )
    .addOption(
      new Option(
        '--engine <engine>',
        'stream engine: flink also starts a Flink session cluster (default: STREAM_ENGINE)',
      ).choices(['node', 'flink']),
    )
    .action(async (opts: { engine?: 'node' | 'flink' }) => {
      try {
        await stackUp(describeStack(loadStackConfig(process.env, { streamEngine: opts.engine })), consoleReporter);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('down')
    .description(
      'stop Flink (if it runs), Kafka Connect and Kafka, drop the replication slot (so PostgreSQL keeps no WAL for it)',
    )
    .option('--purge', 'also delete Kafka data, Flink checkpoints and savepoints, and logs')
    .action(async (opts: { purge?: boolean }) => {
      try {
        await stackDown(describeStack(loadStackConfig()), consoleReporter, opts);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('status')
    .description('report each part of the stack; exits non-zero if one is down')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      try {
        const parts = await stackStatus(describeStack(loadStackConfig()));
        if (opts.json) process.stdout.write(`${JSON.stringify(parts, null, 2)}\n`);
        else for (const p of parts) process.stdout.write(`${p.ok ? 'up  ' : 'DOWN'}  ${p.part.padEnd(17)} ${p.detail}\n`);
        process.exitCode = parts.every((p) => p.ok) ? 0 : 1;
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
