/**
 * Calls to the APIs behind the web service (same origin: `/api/storage`, `/api/analytics`, `/api/config`,
 * `/api/web`), with the session's bearer credential. Errors carry the platform's error code and message.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

export interface Written<T> {
  readonly data: T;
  readonly etag: string | null;
  /** `Config-Versions` of the configuration service: the versions a write issued (`gw-a=4, gw-b=2`). */
  readonly configVersions: string | null;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined | null>>;

export function withQuery(path: string, q: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export interface Api {
  get<T>(path: string, q?: Query): Promise<T>;
  write<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, ifMatch?: string): Promise<Written<T>>;
  /** Every item of a paged list (500 at a time). */
  all<T>(path: string, q?: Query): Promise<T[]>;
}

export function createApi(token: string, onUnauthorized: () => void): Api {
  const call = async (method: string, path: string, body?: unknown, ifMatch?: string): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ifMatch) headers['if-match'] = ifMatch;
    const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status === 401) onUnauthorized();
    if (!res.ok) {
      const e = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText);
    }
    return res;
  };
  const api: Api = {
    async get<T>(path: string, q?: Query) {
      return (await (await call('GET', withQuery(path, q))).json()) as T;
    },
    async write<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, ifMatch?: string) {
      const res = await call(method, path, body, ifMatch);
      const text = await res.text();
      return {
        data: (text ? JSON.parse(text) : null) as T,
        etag: res.headers.get('etag'),
        configVersions: res.headers.get('config-versions'),
      };
    },
    async all<T>(path: string, q: Query = {}) {
      const out: T[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await api.get<Page<T>>(path, { ...q, limit: 500, offset });
        out.push(...page.items);
        if (page.items.length < 500 || out.length >= page.total) return out;
      }
    },
  };
  return api;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
