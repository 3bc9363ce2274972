/**
 * The local Flink session cluster (brought up here if it does not run): a SQL job submitted through the SQL
 * Gateway runs, shows in `stack status`, takes a savepoint, stops with one, resumes from it, is listed by
 * `vitals flink jobs` and cancelled by `vitals flink cancel`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { isVitalsError } from '@vitals/shared';
import { jobManagerClient, sqlGatewayClient, type JobManagerClient, type SqlGatewayClient } from '@vitals/cloud/flink';
import { REPO_ROOT, loadStackConfig } from '../src/config.js';
import { describeStack, ensureFlink, type Stack } from '../src/stack/stack.js';
import { flinkStatus } from '../src/stack/flink-cluster.js';

let stack: Stack;
let jm: JobManagerClient;
let gateway: SqlGatewayClient;
const started: string[] = [];

const tag = randomUUID().slice(0, 8);

async function vitals(...args: string[]): Promise<string> {
  const bin = path.join(REPO_ROOT, 'docker', 'bin', 'vitals.mjs');
  return (await promisify(execFile)(process.execPath, [bin, ...args], { cwd: REPO_ROOT })).stdout;
}

/** A Kafka source on raw-readings (its offsets are operator state) into a blackhole sink. */
function tables(): string[] {
  return [
    `CREATE TABLE raw_${tag} (v STRING) WITH (
      'connector' = 'kafka', 'topic' = 'raw-readings',
      'properties.bootstrap.servers' = '${stack.config.kafkaBrokers.join(',')}',
      'properties.group.id' = 'flink-cluster-test-${tag}',
      'scan.startup.mode' = 'earliest-offset', 'format' = 'raw')`,
    `CREATE TABLE sink_${tag} (v STRING) WITH ('connector' = 'blackhole')`,
  ];
}

async function submit(properties: Record<string, string> = {}): Promise<string> {
  const session = await gateway.openSession({ 'pipeline.name': `flink-cluster-test-${tag}`, ...properties });
  try {
    for (const t of tables()) await session.execute(t);
    const r = await session.execute(`INSERT INTO sink_${tag} SELECT v FROM raw_${tag}`);
    expect(r.jobId).toMatch(/^[0-9a-f]{32}$/);
    started.push(r.jobId!);
    return r.jobId!;
  } finally {
    await session.close();
  }
}

beforeAll(async () => {
  stack = describeStack(loadStackConfig(process.env));
  await ensureFlink(stack, { info: (m) => process.stderr.write(`[flink] ${m}\n`), warn: () => undefined });
  jm = jobManagerClient(stack.config.flinkRestUrl);
  gateway = sqlGatewayClient(stack.config.flinkGatewayUrl);
}, 300_000);

afterAll(async () => {
  for (const id of started) {
    const job = await jm.job(id).catch(() => undefined);
    if (job && job.state === 'RUNNING') await jm.cancel(id).catch(() => undefined);
  }
});

describe('Flink session cluster', () => {
  it('has a TaskManager with its slots registered', async () => {
    const o = await jm.overview();
    expect(o.flinkVersion).toMatch(/^2\.2\./);
    expect(o.taskManagers).toBeGreaterThanOrEqual(1);
    expect(o.slotsTotal).toBeGreaterThanOrEqual(stack.config.flinkTaskSlots);
  });

  it('runs a SQL job submitted through the SQL Gateway, savepoints it, stops it with a savepoint and resumes it', async () => {
    const first = await submit();
    const running = await jm.waitForState(first, ['RUNNING'], 60_000);
    expect(running.name).toBe(`flink-cluster-test-${tag}`);

    const status = await flinkStatus(stack.flink);
    expect(status.map((p) => [p.part, p.ok])).toEqual([
      ['flink-jobmanager', true],
      ['flink-taskmanager', true],
      ['flink-sql-gateway', true],
      ['flink-jobs', true],
    ]);
    expect(status.find((p) => p.part === 'flink-jobs')?.detail).toContain(first);

    const savepoint = await jm.savepoint(first);
    expect(existsSync(fileURLToPath(savepoint))).toBe(true);
    const final = await jm.stopWithSavepoint(first);
    expect((await jm.job(first)).state).toBe('FINISHED');

    const second = await submit({ 'execution.state-recovery.path': final });
    await jm.waitForState(second, ['RUNNING'], 60_000);
    expect((await jm.checkpoints(second)).restoredFrom).toBe(final);

    // The operator's commands: list the jobs, cancel the running one by its name.
    const listed = JSON.parse(await vitals('flink', 'jobs', '--json')) as Array<{ id: string; state: string }>;
    expect(listed.find((j) => j.id === second)?.state).toBe('RUNNING');
    expect(listed.find((j) => j.id === first)?.state).toBe('FINISHED');
    await vitals('flink', 'cancel', `flink-cluster-test-${tag}`);
    expect((await jm.job(second)).state).toBe('CANCELED');
  });

  it('fails a bad statement at once with its cause', async () => {
    const session = await gateway.openSession();
    const t0 = Date.now();
    try {
      await session.execute(`SELECT v FROM no_such_table_${tag}`);
      expect.unreachable();
    } catch (err) {
      expect(isVitalsError(err, 'FLINK_ERR_STATEMENT_FAILED')).toBe(true);
      expect((err as Error).message).toContain(`no_such_table_${tag}`);
    } finally {
      await session.close();
    }
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('answers FLINK_ERR_JOB_NOT_FOUND for an unknown job', async () => {
    await expect(jm.job('0'.repeat(32))).rejects.toMatchObject({ code: 'FLINK_ERR_JOB_NOT_FOUND' });
  });
});
