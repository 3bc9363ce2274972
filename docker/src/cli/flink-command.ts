/**
 * `vitals flink jobs|savepoint|cancel`: the operator's view of the stream jobs on the Flink session cluster
 * (`FLINK_REST_URL`). A job is named by its id or by its name (the newest running job of that name).
 * `vitals flink analytics-sql`: the analytics job's SQL generated from the window definitions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import {
  analyticsSqlOf,
  FlinkErrors,
  jobManagerClient,
  QUERIES_JSON_FILE,
  QUERIES_SQL_FILE,
  type JobManagerClient,
  type JobSummary,
} from '@vitals/cloud/flink';
import { loadStackConfig } from '../config.js';
import { fail } from './output.js';

const JOB_ID = /^[0-9a-f]{32}$/;

/** The job an operator means: an id as given, or the newest running (else newest) job of that name. */
export async function resolveJob(jm: JobManagerClient, idOrName: string): Promise<JobSummary> {
  if (JOB_ID.test(idOrName)) return jm.job(idOrName);
  const named = (await jm.jobs()).filter((j) => j.name === idOrName);
  const job = named.find((j) => j.state === 'RUNNING') ?? named[0];
  if (!job) throw FlinkErrors.FLINK_ERR_JOB_NOT_FOUND(idOrName);
  return job;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7_200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3_600)} h`;
}

async function jobRows(jm: JobManagerClient, withExceptions: boolean): Promise<Array<Record<string, unknown>>> {
  const now = Date.now();
  return Promise.all(
    (await jm.jobs()).map(async (j) => {
      const checkpoints = j.state === 'RUNNING' ? await jm.checkpoints(j.id).catch(() => undefined) : undefined;
      const exceptions = withExceptions ? await jm.exceptions(j.id).catch(() => []) : [];
      return {
        ...j,
        ...(checkpoints ? { checkpoints } : {}),
        ...(withExceptions ? { exceptions } : {}),
        line: [
          j.id,
          j.state.padEnd(11),
          j.name.padEnd(28),
          `tasks ${j.tasks.running}/${j.tasks.total}`,
          `up ${age((j.endTime ?? now) - j.startTime)}`,
          checkpoints?.latest
            ? `checkpoint ${checkpoints.latest.id} ${age(now - checkpoints.latest.at)} ago (${checkpoints.latest.durationMs} ms)`
            : '',
        ]
          .filter(Boolean)
          .join('  '),
      };
    }),
  );
}

export function flinkCommand(): Command {
  const cmd = new Command('flink').description('Stream jobs on the Flink session cluster (FLINK_REST_URL)');
  const client = () => jobManagerClient(loadStackConfig().flinkRestUrl);
  cmd
    .command('jobs')
    .description('list the jobs: id, state, name, running tasks, uptime, latest checkpoint')
    .option('--exceptions', 'also show each job’s exception history')
    .option('--json', 'print JSON')
    .action(async (opts: { exceptions?: boolean; json?: boolean }) => {
      try {
        const rows = await jobRows(client(), opts.exceptions ?? false);
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              rows.map(({ line: _line, ...r }) => r),
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (rows.length === 0) process.stdout.write('no jobs\n');
        for (const r of rows) {
          process.stdout.write(`${String(r.line)}\n`);
          for (const e of (r.exceptions as Array<{ at: number; message: string }> | undefined) ?? [])
            process.stdout.write(`    ${new Date(e.at).toISOString()}  ${e.message}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('savepoint')
    .description('take a savepoint of a running job and print its path')
    .argument('<job>', 'job id or name')
    .option('--dir <dir>', 'target folder (default: the cluster’s savepoint folder)')
    .action(async (idOrName: string, opts: { dir?: string }) => {
      try {
        const jm = client();
        const job = await resolveJob(jm, idOrName);
        process.stdout.write(`${await jm.savepoint(job.id, { targetDir: opts.dir })}\n`);
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('cancel')
    .description('cancel a job; with --savepoint stop it with a final savepoint (printed) instead')
    .argument('<job>', 'job id or name')
    .option('--savepoint', 'stop with a savepoint (sinks commit, the job can resume from it)')
    .option('--dir <dir>', 'savepoint folder (default: the cluster’s savepoint folder)')
    .action(async (idOrName: string, opts: { savepoint?: boolean; dir?: string }) => {
      try {
        const jm = client();
        const job = await resolveJob(jm, idOrName);
        if (opts.savepoint) {
          process.stdout.write(`${await jm.stopWithSavepoint(job.id, { targetDir: opts.dir })}\n`);
        } else {
          await jm.cancel(job.id);
          await jm.waitForState(job.id, ['CANCELED'], 60_000);
          process.stderr.write(`vitals: job ${job.id} (${job.name}) cancelled\n`);
        }
      } catch (err) {
        fail(err);
      }
    });
  cmd
    .command('analytics-sql')
    .description(
      'print the analytics job (Flink SQL) generated from the window definitions; --write updates docker/analytics/queries.sql',
    )
    .option('--write', 'write it to docker/analytics/queries.sql')
    .option('--check', 'exit 1 when docker/analytics/queries.sql differs from what the definitions give')
    .action((opts: { write?: boolean; check?: boolean }) => {
      try {
        const sql = analyticsSqlOf(QUERIES_JSON_FILE);
        if (opts.check) {
          const same = readFileSync(QUERIES_SQL_FILE, 'utf8') === sql;
          process.stderr.write(
            same
              ? 'vitals: docker/analytics/queries.sql is up to date\n'
              : 'vitals: docker/analytics/queries.sql is stale: run `npx vitals flink analytics-sql --write`\n',
          );
          process.exitCode = same ? 0 : 1;
        } else if (opts.write) {
          writeFileSync(QUERIES_SQL_FILE, sql);
          process.stderr.write(`vitals: wrote ${QUERIES_SQL_FILE}\n`);
        } else process.stdout.write(sql);
      } catch (err) {
        fail(err);
      }
    });
  return cmd;
}
