/**
 * The Flink SQL Gateway's REST API (v1): open a session with its properties, run one statement at a time and
 * read its result; an INSERT or a statement set answers with the id of the job it started.
 */
import { waitFor } from '@vitals/shared';
import { FlinkErrors } from './errors.js';
import { httpStatusOf, restCall, type RestTarget } from './rest.js';

export interface StatementResult {
  /** The job an INSERT or EXECUTE STATEMENT SET started. */
  readonly jobId?: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

export interface SqlSession {
  readonly handle: string;
  /** Runs one statement and waits for its result (for a job: until it was submitted, not until it ends). */
  execute(statement: string, opts?: { timeoutMs?: number }): Promise<StatementResult>;
  close(): Promise<void>;
}

export interface SqlGatewayClient {
  readonly url: string;
  info(): Promise<{ product: string; version: string }>;
  /** `properties` are session configuration (`pipeline.name`, `execution.state-recovery.path`, ...). */
  openSession(properties?: Readonly<Record<string, string>>, name?: string): Promise<SqlSession>;
}

interface RawResult {
  resultType?: 'NOT_READY' | 'PAYLOAD' | 'EOS';
  isQueryResult?: boolean;
  jobID?: string;
  results?: { columns?: Array<{ name: string }>; data?: Array<{ kind?: string; fields?: unknown[] }> };
  nextResultUri?: string;
}

/** A statement's first words, for messages (never the whole text: it may be long). */
export function statementLabel(statement: string): string {
  const words = statement
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return words.length <= 60 ? words : `${words.slice(0, 57)}...`;
}

const JOB_ID = /^[0-9a-f]{32}$/;

export function sqlGatewayClient(url: string, opts: { timeoutMs?: number } = {}): SqlGatewayClient {
  const target: RestTarget = { what: 'SQL Gateway', baseUrl: url.replace(/\/$/, ''), timeoutMs: opts.timeoutMs };

  const session = (handle: string): SqlSession => {
    const base = `/v1/sessions/${encodeURIComponent(handle)}`;
    return {
      handle,
      async execute(statement, o = {}) {
        const label = statementLabel(statement);
        const timeoutMs = o.timeoutMs ?? 120_000;
        const { json: op } = await restCall<{ operationHandle: string }>(target, 'POST', `${base}/statements`, {
          statement,
        });
        let route = `${base}/operations/${encodeURIComponent(op.operationHandle)}/result/0`;
        const columns: string[] = [];
        const rows: unknown[][] = [];
        let jobId: string | undefined;
        const deadline = Date.now() + timeoutMs;
        // Pages until the end of the result; a job's result is its id (one row), then the end.
        for (let page = 0; page < 1_000; page++) {
          let answer: { result: RawResult } | { failed: { detail?: string; message: string } };
          try {
            // A failed statement answers its result with HTTP 500 and the cause chain: fail at once, not at the deadline.
            answer = await waitFor(
              async () => {
                try {
                  const r = (await restCall<RawResult>(target, 'GET', route)).json;
                  return r.resultType === 'NOT_READY' ? undefined : { result: r };
                } catch (err) {
                  if (httpStatusOf(err) === undefined) throw err;
                  return { failed: err as { detail?: string; message: string } };
                }
              },
              { timeoutMs: Math.max(1, deadline - Date.now()), intervalMs: 100, what: `the result of ${label}` },
            );
          } catch (err) {
            throw FlinkErrors.FLINK_ERR_TIMEOUT.withCause(err, timeoutMs, `the result of ${label}`);
          }
          if ('failed' in answer)
            throw FlinkErrors.FLINK_ERR_STATEMENT_FAILED.withCause(
              answer.failed,
              label,
              answer.failed.detail ?? answer.failed.message,
            );
          const result = answer.result;
          if (result.jobID) jobId = result.jobID;
          if (columns.length === 0) for (const c of result.results?.columns ?? []) columns.push(c.name);
          for (const d of result.results?.data ?? []) rows.push(d.fields ?? []);
          if (result.resultType === 'EOS' || !result.nextResultUri) break;
          // A job's id comes with its first page; the pages after it are the job's own output (none for INSERT).
          if (jobId && !result.isQueryResult) break;
          route = result.nextResultUri.replace(/^\/v\d+/, '/v1');
        }
        const first = rows[0]?.[0];
        if (!jobId && columns[0] === 'job id' && typeof first === 'string' && JOB_ID.test(first)) jobId = first;
        return { ...(jobId ? { jobId } : {}), columns, rows };
      },
      async close() {
        await restCall(target, 'DELETE', base).catch(() => undefined);
      },
    };
  };

  return {
    url: target.baseUrl,
    async info() {
      const { json } = await restCall<{ productName: string; version: string }>(target, 'GET', '/v1/info');
      return { product: json.productName, version: json.version };
    },
    async openSession(properties = {}, name) {
      const { json } = await restCall<{ sessionHandle: string }>(target, 'POST', '/v1/sessions', {
        properties,
        ...(name ? { sessionName: name } : {}),
      });
      return session(json.sessionHandle);
    },
  };
}
