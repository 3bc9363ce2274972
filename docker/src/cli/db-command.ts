import { Command } from 'commander';
import { loadStackConfig } from '../config.js';
import { maintainReadings } from '@vitals/cloud/readings-maintenance';
import { flyway, type FlywayCommand } from '../stack/flyway.js';
import { stackPaths } from '../stack/paths.js';
import { dbTarget, ensureDatabase, withClient } from '../stack/postgres.js';
import { consoleReporter, fail } from './output.js';

async function runFlyway(command: FlywayCommand): Promise<void> {
  const config = loadStackConfig();
  const target = dbTarget(config.databaseUrl);
  const paths = stackPaths(config.stackDir);
  if (command === 'migrate' && (await ensureDatabase(target))) consoleReporter.info(`database ${target.database} created`);
  const { output } = await flyway(command, target, {
    mvn: config.mavenCommand,
    pom: paths.poms.flyway,
    migrationsDir: paths.migrations,
    offline: true,
  });
  process.stdout.write(`${output}\n`);
}

export function dbCommand(): Command {
  const cmd = new Command('db').description('Database schema (Flyway) and maintenance');
  for (const [name, description] of [
    ['migrate', 'apply pending migrations from migrations/ (refuses if an applied migration was edited)'],
    ['info', 'list migrations and their state'],
    ['validate', 'check applied migrations against the files (checksums, missing, pending)'],
  ] as const) {
    cmd
      .command(name)
      .description(description)
      .action(async () => {
        try {
          await runFlyway(name);
        } catch (err) {
          fail(err);
        }
      });
  }
  cmd
    .command('maintain')
    .description('create the coming day partitions of readings and drop those past READINGS_RETENTION')
    .option('--dry-run', 'only print what would change')
    .action(async (opts: { dryRun?: boolean }) => {
      try {
        const config = loadStackConfig();
        const r = await withClient(config.databaseUrl, (c) =>
          maintainReadings(c, {
            now: new Date(),
            partitionsAhead: config.readingsPartitionsAhead,
            retentionMs: config.readingsRetention,
            dryRun: opts.dryRun,
          }),
        );
        const verb = opts.dryRun ? 'would ' : '';
        process.stdout.write(
          `${verb}create: ${r.created.join(', ') || 'nothing'}\n${verb}drop: ${r.dropped.join(', ') || 'nothing'}\nrows in readings_default: ${r.defaultRows}\n${verb}delete reading-id claims: ${r.idsDeleted}\n`,
        );
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
