/**
 * One stream job kept running on the Flink session cluster by the service that owns it: adopted when it
 * already runs, else submitted from the newest savepoint or retained checkpoint of its last run (so state and
 * source offsets carry over), watched while the service runs (a job that ends by itself is fatal: the service
 * says why and exits, never idles), and stopped with a savepoint when the service stops.
 */
import type { Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { FlinkErrors } from './errors.js';
import { TERMINAL_JOB_STATES, type JobManagerClient, type JobState } from './job-manager.js';

export interface ManagedJobOptions {
  /** The job's name (`pipeline.name`): how a run is found again. */
  readonly name: string;
  /** Submits the job, from `recoveryPath` when there is one; returns its id. */
  readonly submit: (recoveryPath: string | undefined) => Promise<string>;
  readonly pollMs?: number;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
}

export interface ManagedJobDeps {
  readonly jm: JobManagerClient;
  readonly log: Logger;
  readonly clock: Clock;
  /** The job ended while the service runs (default of the services: exit non-zero). */
  readonly onFatal: (err: Error) => void;
}

export interface JobStatus {
  readonly jobId: string;
  readonly state: JobState | 'UNKNOWN';
  /** How the job was started: adopted, resumed from a path, or fresh. */
  readonly started: 'adopted' | 'resumed' | 'fresh';
  readonly recoveredFrom?: string;
  readonly checkpoints: number;
  /** Epoch ms of the latest completed checkpoint. */
  readonly lastCheckpointAt?: number;
  readonly lastCheckpointDurationMs?: number;
}

export interface ManagedJob {
  readonly jobId: string;
  status(): Promise<JobStatus>;
  /** The last status seen by the watch (no REST call). */
  readonly lastStatus: JobStatus;
  /** Stops the job with a savepoint; returns its path. */
  close(): Promise<string | undefined>;
}

const LIVE_STATES: ReadonlySet<JobState> = new Set(['CREATED', 'INITIALIZING', 'RUNNING', 'RESTARTING', 'RECONCILING']);

/** The newest savepoint or completed checkpoint of the last run of `name`, if the cluster remembers one. */
async function recoveryPathOf(jm: JobManagerClient, name: string): Promise<string | undefined> {
  const runs = (await jm.jobs()).filter((j) => j.name === name).sort((a, b) => b.startTime - a.startTime);
  for (const run of runs) {
    const c = await jm.checkpoints(run.id).catch(() => undefined);
    if (!c) continue;
    const candidates = [
      ...(c.latestSavepoint ? [c.latestSavepoint] : []),
      ...(c.latest?.path ? [{ path: c.latest.path, at: c.latest.at }] : []),
    ].sort((a, b) => b.at - a.at);
    if (candidates[0]) return candidates[0].path;
    // A run that never checkpointed may have been resumed itself: its own starting point still holds.
    if (c.restoredFrom) return c.restoredFrom;
  }
  return undefined;
}

export async function startManagedJob(o: ManagedJobOptions, deps: ManagedJobDeps): Promise<ManagedJob> {
  const { jm, log, clock } = deps;
  const live = (await jm.jobs()).find((j) => j.name === o.name && LIVE_STATES.has(j.state));
  let jobId: string;
  let started: JobStatus['started'];
  let recoveredFrom: string | undefined;
  if (live) {
    jobId = live.id;
    started = 'adopted';
    log.info({ jobId, job: o.name, state: live.state }, 'Flink job already runs: adopted');
  } else {
    recoveredFrom = await recoveryPathOf(jm, o.name);
    started = recoveredFrom ? 'resumed' : 'fresh';
    const t0 = clock.now();
    jobId = await o.submit(recoveredFrom);
    log.info({ jobId, job: o.name, recoveredFrom: recoveredFrom ?? null, submitMs: clock.now() - t0 }, 'Flink job submitted');
  }
  await jm.waitForState(jobId, ['RUNNING'], o.startTimeoutMs ?? 180_000);

  let lastStatus: JobStatus = { jobId, state: 'RUNNING', started, ...(recoveredFrom ? { recoveredFrom } : {}), checkpoints: 0 };
  let stopping = false;
  const status = async (): Promise<JobStatus> => {
    const [job, cps] = await Promise.all([jm.job(jobId), jm.checkpoints(jobId)]);
    lastStatus = {
      jobId,
      state: job.state,
      started,
      ...(recoveredFrom ? { recoveredFrom } : {}),
      checkpoints: cps.completed,
      ...(cps.latest ? { lastCheckpointAt: cps.latest.at, lastCheckpointDurationMs: cps.latest.durationMs } : {}),
    };
    return lastStatus;
  };
  let failedPolls = 0;
  const watch = clock.setInterval(() => {
    void status().then(
      (s) => {
        failedPolls = 0;
        if (!stopping && TERMINAL_JOB_STATES.has(s.state as JobState)) {
          stopping = true;
          clock.clearInterval(watch);
          deps.onFatal(FlinkErrors.FLINK_ERR_JOB_ENDED(jobId, s.state, 'RUNNING'));
        }
      },
      (err: Error) => {
        lastStatus = { ...lastStatus, state: 'UNKNOWN' };
        if (++failedPolls % 10 === 1) log.warn({ err, jobId }, 'cannot read the Flink job state');
      },
    );
  }, o.pollMs ?? 2_000);

  return {
    jobId,
    status,
    get lastStatus() {
      return lastStatus;
    },
    async close() {
      stopping = true;
      clock.clearInterval(watch);
      try {
        const path = await jm.stopWithSavepoint(jobId, { timeoutMs: o.stopTimeoutMs ?? 120_000 });
        log.info({ jobId, savepoint: path }, 'Flink job stopped with a savepoint');
        return path;
      } catch (err) {
        log.error({ err, jobId }, 'Flink job could not be stopped with a savepoint: its retained checkpoints stay');
        return undefined;
      }
    },
  };
}
