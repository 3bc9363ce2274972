/**
 * `npm start -- --engine flink`: the whole demo with the enricher and the analytics windows as Flink jobs on
 * the stack's Flink session cluster. Data flows from the simulated monitors to the dashboard (the wards'
 * summaries show live patients, which come from the analytics rows the Flink job wrote), the services report
 * their jobs, and Ctrl-C stops both jobs with a savepoint (so the next start resumes them) and every process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { jobManagerClient } from '@vitals/cloud/flink';
import { testStackConfig } from '../src/testing/index.js';
import { systemPorts } from '../src/system/system-ports.js';
import { startSystem, type StartedSystem } from './support/start-system.js';

const config = testStackConfig();
const jm = jobManagerClient(config.flinkRestUrl);
const JOBS = ['vitals-enricher-flink', 'vitals-analytics-flink'];
let system: StartedSystem;

beforeAll(async () => {
  system = await startSystem({ summaryEvery: 3, engine: 'flink' });
}, 300_000);

afterAll(async () => {
  await system?.cleanup();
}, 120_000);

describe('vitals start --engine flink', () => {
  it('runs the enricher and the analytics as Flink jobs, and the dashboard shows live patients of both wards', async () => {
    expect(system.output()).toContain(`Flink web UI (enricher, analytics)     ${config.flinkRestUrl}`);
    const running = await jm.jobs();
    for (const name of JOBS) expect(running.filter((j) => j.name === name && j.state === 'RUNNING')).toHaveLength(1);
    const p = systemPorts(2, system.offset);
    const status = (await (await fetch(`http://127.0.0.1:${p.analytics}/api/status`)).json()) as {
      engine: string;
      job: { name: string; state: string };
    };
    expect(status).toMatchObject({ engine: 'flink', job: { name: 'vitals-analytics-flink', state: 'RUNNING' } });
    // Every ward's summary line (printed every 3 s) counts live patients on the dashboard: readings went through
    // the Flink enricher and the Flink windows into PostgreSQL.
    await waitFor(
      () => {
        const lines = system
          .output()
          .split('\n')
          .filter((l) => l.startsWith('summary  |'));
        const last = lines.at(-1) ?? '';
        const live = [...last.matchAll(/(\d+) patients live on the dashboard/g)].map((m) => Number(m[1]));
        return live.length === 2 && live.every((n) => n > 0);
      },
      { timeoutMs: 240_000, intervalMs: 1_000, what: 'live patients on the dashboard for both wards' },
    );
  }, 300_000);

  it('stops both jobs with a savepoint on Ctrl-C', async () => {
    const ids = (await jm.jobs()).filter((j) => JOBS.includes(j.name) && j.state === 'RUNNING').map((j) => j.id);
    expect(ids).toHaveLength(2);
    system.child.kill('SIGINT');
    expect(await system.exit).toBe(0);
    for (const id of ids) {
      expect((await jm.job(id)).state).toBe('FINISHED');
      // The JobManager's REST API serves checkpoint statistics from a cache it refreshes on its own schedule,
      // so a savepoint that completed before the job finished can show there a moment later.
      const savepoint = await waitFor(async () => (await jm.checkpoints(id)).latestSavepoint?.path, {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: `the stop-with-savepoint of job ${id} in its checkpoint statistics`,
      });
      expect(savepoint).toMatch(/savepoint-/);
    }
  }, 120_000);
});
