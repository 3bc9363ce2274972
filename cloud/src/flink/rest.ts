/** JSON over HTTP to a Flink REST endpoint (JobManager or SQL Gateway), with typed errors. */
import { FlinkErrors } from './errors.js';

export interface RestTarget {
  /** What answers there, for messages: `JobManager`, `SQL Gateway`. */
  readonly what: string;
  readonly baseUrl: string;
  readonly timeoutMs?: number;
}

/** Flink answers errors as `{ errors: [message, stack trace...] }`; keep the first line of each. */
function flinkErrorText(json: unknown, text: string): string {
  const errors = (json as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => String(e).split('\n')[0]).join('; ');
  return text.slice(0, 500);
}

/** The full text of Flink's error answer (cause chains of a failed statement are in its second entry). */
export function flinkErrorDetail(json: unknown): string | undefined {
  const errors = (json as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const causes = errors
    .map(String)
    .join('\n')
    .split('\n')
    .filter((l) => /^(Caused by: |org\.apache\.flink\.\S+Exception: )/.test(l.trim()))
    .map((l) => l.trim().replace(/^Caused by: /, ''));
  return causes.length > 0 ? [...new Set(causes)].slice(-3).join(' <- ') : String(errors[0]).split('\n')[0];
}

export async function restCall<T>(
  target: RestTarget,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  route: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  let res: Response;
  try {
    res = await fetch(`${target.baseUrl}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw FlinkErrors.FLINK_ERR_UNREACHABLE.withCause(err, target.what, target.baseUrl, (err as Error).message);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  if (res.status >= 300) {
    const err = FlinkErrors.FLINK_ERR_HTTP(target.what, method, route, res.status, flinkErrorText(json, text));
    Object.assign(err, { httpStatus: res.status, detail: flinkErrorDetail(json) });
    throw err;
  }
  return { status: res.status, json: json as T };
}

/** The HTTP status of a `FLINK_ERR_HTTP` error (undefined for anything else). */
export function httpStatusOf(err: unknown): number | undefined {
  return (err as { code?: string; httpStatus?: number }).code === FlinkErrors.FLINK_ERR_HTTP.code
    ? (err as { httpStatus: number }).httpStatus
    : undefined;
}
