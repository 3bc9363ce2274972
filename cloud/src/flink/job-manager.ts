/**
 * The JobManager's REST API as far as the stream jobs need it: the cluster overview (readiness), jobs and
 * their state, checkpoints, exceptions, savepoints, stop with a savepoint, cancel.
 */
import { waitFor } from '@vitals/shared';
import { FlinkErrors } from './errors.js';
import { httpStatusOf, restCall, type RestTarget } from './rest.js';

export const JOB_STATES = [
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'FAILED',
  'CANCELLING',
  'CANCELED',
  'FINISHED',
  'RESTARTING',
  'SUSPENDED',
  'RECONCILING',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job does not leave. */
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED']);

export interface ClusterOverview {
  readonly flinkVersion: string;
  readonly taskManagers: number;
  readonly slotsTotal: number;
  readonly slotsAvailable: number;
  readonly jobsRunning: number;
}

export interface JobSummary {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  readonly startTime: number;
  /** Undefined while the job runs. */
  readonly endTime?: number;
  /** Subtasks running, of all (a RUNNING job may still be deploying some). */
  readonly tasks: { readonly running: number; readonly total: number };
  /** The highest parallelism of its operators (only from `job(id)`, which lists them). */
  readonly parallelism?: number;
}

export interface CheckpointSummary {
  readonly completed: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly latest?: {
    readonly id: number;
    readonly path: string;
    /** When its last acknowledgement arrived, epoch ms. */
    readonly at: number;
    readonly durationMs: number;
    readonly sizeBytes: number;
  };
  /** The latest savepoint (a stop-with-savepoint's final one included). */
  readonly latestSavepoint?: { readonly path: string; readonly at: number };
  /** The checkpoint or savepoint the job started from. */
  readonly restoredFrom?: string;
}

export interface JobException {
  readonly at: number;
  readonly name: string;
  readonly message: string;
  readonly task?: string;
}

export interface JobManagerClient {
  readonly url: string;
  overview(): Promise<ClusterOverview>;
  jobs(): Promise<JobSummary[]>;
  /** Throws FLINK_ERR_JOB_NOT_FOUND for an unknown id. */
  job(id: string): Promise<JobSummary>;
  checkpoints(id: string): Promise<CheckpointSummary>;
  exceptions(id: string): Promise<JobException[]>;
  /** Takes a savepoint and waits for it; returns its path. */
  savepoint(id: string, opts?: { targetDir?: string; timeoutMs?: number }): Promise<string>;
  /** Stops the job with a final savepoint (sources stop, sinks commit), waits until it FINISHED; the savepoint's path. */
  stopWithSavepoint(id: string, opts?: { targetDir?: string; drain?: boolean; timeoutMs?: number }): Promise<string>;
  /** Cancels without a savepoint (its retained checkpoints stay). */
  cancel(id: string): Promise<void>;
  /**
   * Waits until the job is in one of `states` (RUNNING: with every subtask running); throws at once if it
   * reaches a terminal state outside them.
   */
  waitForState(id: string, states: readonly JobState[], timeoutMs: number): Promise<JobSummary>;
}

interface RawJob {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time'?: number;
  /** In `/jobs/overview`. */
  tasks?: { running?: number; total?: number };
  /** In `/jobs/{id}`. */
  vertices?: Array<{ parallelism: number; tasks?: { RUNNING?: number } }>;
}

function toJob(j: RawJob): JobSummary {
  const end = j['end-time'];
  const tasks = j.vertices
    ? {
        running: j.vertices.reduce((n, v) => n + (v.tasks?.RUNNING ?? 0), 0),
        total: j.vertices.reduce((n, v) => n + v.parallelism, 0),
      }
    : { running: j.tasks?.running ?? 0, total: j.tasks?.total ?? 0 };
  return {
    id: j.jid,
    name: j.name,
    state: j.state,
    startTime: j['start-time'],
    ...(end !== undefined && end > 0 ? { endTime: end } : {}),
    tasks,
    ...(j.vertices ? { parallelism: Math.max(0, ...j.vertices.map((v) => v.parallelism)) } : {}),
  };
}

/** RUNNING with every subtask running (what a savepoint needs), or simply the state asked for. */
function reached(job: JobSummary, states: readonly JobState[]): boolean {
  if (!states.includes(job.state)) return false;
  return job.state !== 'RUNNING' || (job.tasks.total > 0 && job.tasks.running === job.tasks.total);
}

interface RawCheckpoints {
  counts?: { completed?: number; failed?: number; in_progress?: number };
  latest?: {
    completed?: {
      id: number;
      external_path?: string;
      latest_ack_timestamp?: number;
      end_to_end_duration?: number;
      checkpointed_size?: number;
      state_size?: number;
    } | null;
    savepoint?: { external_path?: string; latest_ack_timestamp?: number } | null;
    restored?: { external_path?: string } | null;
  };
}

interface RawExceptions {
  exceptionHistory?: {
    entries?: Array<{ exceptionName?: string; stacktrace?: string; timestamp?: number; taskName?: string | null }>;
  };
}

interface RawTrigger {
  status?: { id?: 'IN_PROGRESS' | 'COMPLETED' };
  operation?: { location?: string; 'failure-cause'?: { class?: string; 'stack-trace'?: string } };
}

export function jobManagerClient(url: string, opts: { timeoutMs?: number } = {}): JobManagerClient {
  const target: RestTarget = { what: 'JobManager', baseUrl: url.replace(/\/$/, ''), timeoutMs: opts.timeoutMs };
  const get = async <T>(route: string) => (await restCall<T>(target, 'GET', route)).json;
  const jobRoute = (id: string) => `/jobs/${encodeURIComponent(id)}`;

  const known = async <T>(id: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (httpStatusOf(err) === 404) throw FlinkErrors.FLINK_ERR_JOB_NOT_FOUND.withCause(err, id);
      throw err;
    }
  };

  /** Polls a savepoint or stop trigger until it completes; its location, or FLINK_ERR_SAVEPOINT_FAILED. */
  const awaitTrigger = async (id: string, triggerId: string, timeoutMs: number): Promise<string> => {
    const route = `${jobRoute(id)}/savepoints/${encodeURIComponent(triggerId)}`;
    let outcome: { location?: string; failure?: string } | undefined;
    try {
      outcome = await waitFor(
        async () => {
          const t = await get<RawTrigger>(route);
          if (t.status?.id !== 'COMPLETED') return undefined;
          const cause = t.operation?.['failure-cause'];
          if (cause) return { failure: (cause['stack-trace'] ?? cause.class ?? 'unknown').split('\n')[0] };
          return { location: t.operation?.location ?? '' };
        },
        { timeoutMs, intervalMs: 250, what: `savepoint of job ${id}` },
      );
    } catch (err) {
      throw FlinkErrors.FLINK_ERR_TIMEOUT.withCause(err, timeoutMs, `the savepoint of job ${id}`);
    }
    if (outcome.failure !== undefined || !outcome.location)
      throw FlinkErrors.FLINK_ERR_SAVEPOINT_FAILED(id, outcome.failure ?? 'no location');
    return outcome.location;
  };

  const client: JobManagerClient = {
    url: target.baseUrl,
    async overview() {
      const o = await get<{
        'flink-version': string;
        taskmanagers: number;
        'slots-total': number;
        'slots-available': number;
        'jobs-running': number;
      }>('/overview');
      return {
        flinkVersion: o['flink-version'],
        taskManagers: o.taskmanagers,
        slotsTotal: o['slots-total'],
        slotsAvailable: o['slots-available'],
        jobsRunning: o['jobs-running'],
      };
    },
    async jobs() {
      const o = await get<{ jobs: RawJob[] }>('/jobs/overview');
      return o.jobs.map(toJob).sort((a, b) => b.startTime - a.startTime);
    },
    async job(id) {
      return known(id, async () => {
        return toJob(await get<RawJob>(jobRoute(id)));
      });
    },
    async checkpoints(id) {
      const c = await known(id, () => get<RawCheckpoints>(`${jobRoute(id)}/checkpoints`));
      const latest = c.latest?.completed;
      const restored = c.latest?.restored?.external_path;
      const savepoint = c.latest?.savepoint;
      return {
        completed: c.counts?.completed ?? 0,
        failed: c.counts?.failed ?? 0,
        inProgress: c.counts?.in_progress ?? 0,
        ...(latest
          ? {
              latest: {
                id: latest.id,
                path: latest.external_path ?? '',
                at: latest.latest_ack_timestamp ?? 0,
                durationMs: latest.end_to_end_duration ?? 0,
                sizeBytes: latest.checkpointed_size ?? latest.state_size ?? 0,
              },
            }
          : {}),
        ...(savepoint?.external_path
          ? { latestSavepoint: { path: savepoint.external_path, at: savepoint.latest_ack_timestamp ?? 0 } }
          : {}),
        ...(restored ? { restoredFrom: restored } : {}),
      };
    },
    async exceptions(id) {
      const e = await known(id, () => get<RawExceptions>(`${jobRoute(id)}/exceptions`));
      return (e.exceptionHistory?.entries ?? []).map((x) => {
        const first = (x.stacktrace ?? '').split('\n')[0] ?? '';
        return {
          at: x.timestamp ?? 0,
          name: x.exceptionName ?? 'unknown',
          message: first,
          ...(x.taskName ? { task: x.taskName } : {}),
        };
      });
    },
    async savepoint(id, o = {}) {
      const { json } = await known(id, () =>
        restCall<{ 'request-id': string }>(target, 'POST', `${jobRoute(id)}/savepoints`, {
          'target-directory': o.targetDir ?? null,
          'cancel-job': false,
          formatType: 'CANONICAL',
        }),
      );
      return awaitTrigger(id, json['request-id'], o.timeoutMs ?? 120_000);
    },
    async stopWithSavepoint(id, o = {}) {
      const { json } = await known(id, () =>
        restCall<{ 'request-id': string }>(target, 'POST', `${jobRoute(id)}/stop`, {
          targetDirectory: o.targetDir ?? null,
          drain: o.drain ?? false,
        }),
      );
      const location = await awaitTrigger(id, json['request-id'], o.timeoutMs ?? 120_000);
      // The savepoint completes a moment before the job reaches FINISHED: return once it has.
      await client.waitForState(id, ['FINISHED'], 30_000);
      return location;
    },
    async cancel(id) {
      await known(id, () => restCall(target, 'PATCH', `${jobRoute(id)}?mode=cancel`));
    },
    async waitForState(id, states, timeoutMs) {
      const wanted = states.join(' or ');
      let last: JobSummary | undefined;
      try {
        last = await waitFor(
          async () => {
            last = await client.job(id);
            return reached(last, states) || TERMINAL_JOB_STATES.has(last.state) ? last : undefined;
          },
          { timeoutMs, intervalMs: 250, what: `job ${id} to be ${wanted}` },
        );
      } catch (err) {
        throw FlinkErrors.FLINK_ERR_TIMEOUT.withCause(
          err,
          timeoutMs,
          `job ${id} to be ${wanted} (it is ${last?.state ?? 'unknown'})`,
        );
      }
      if (!states.includes(last.state)) throw FlinkErrors.FLINK_ERR_JOB_ENDED(id, last.state, wanted);
      return last;
    },
  };
  return client;
}
