/**
 * Generated HTTP requests against a REST service, from its OpenAPI document: every route and method, path
 * parameters of a tenant that exists or garbage, bodies built from the route's schema and mutated, random
 * bytes, gzip of anything (garbage, truncated, bombs), deep nesting, huge arrays, `__proto__` keys, invalid
 * UTF-8, odd content types and encodings, and wrong auth schemes. Requests go through node:http (fetch refuses
 * several of these), with a keep-alive agent. A 5xx answer, a timeout, or a dead process is a crash.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  deepNesting,
  fuzzDebug,
  fromJsonSchema,
  mutateBytes,
  mutateJson,
  randomJson,
  runPool,
  withInvalidUtf8,
  type FuzzTally,
  type Rng,
} from './fuzz.js';

type Json = Record<string, unknown>;

export interface Operation {
  readonly method: string;
  /** The OpenAPI path, e.g. `/v1/patients/{patientId}`. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly query: ReadonlyArray<{ name: string; schema: Json }>;
  readonly bodySchema: Json | undefined;
}

/** Every operation of an OpenAPI document (Swagger UI's own routes left out). */
export function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    if (p.startsWith('/docs')) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; schema: Json }>;
      const content = (op.requestBody as { content?: Record<string, { schema: Json }> } | undefined)?.content;
      out.push({
        method: method.toUpperCase(),
        path: p,
        pathParams: params.filter((x) => x.in === 'path').map((x) => x.name),
        query: params.filter((x) => x.in === 'query').map((x) => ({ name: x.name, schema: x.schema })),
        bodySchema: content?.['application/json']?.schema,
      });
    }
  }
  return out;
}

export interface HttpFuzzTarget {
  readonly url: string;
  readonly operations: readonly Operation[];
  /** Valid credentials by label (several roles); the fuzzer also sends wrong ones. */
  readonly tokens: readonly string[];
  /** Values for parameters and body properties by name (ids of a tenant the fuzzer may damage). */
  readonly hints: Record<string, readonly unknown[]>;
}

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  /** What kind of input it is, for a crash report. */
  readonly what: string;
}

// Built once: 32 MiB of spaces and of JSON-looking text, each compressed to a few tens of KiB.
const BOMBS = [
  gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20)),
  gzipSync(Buffer.from(`{"readings":[${'1,'.repeat(8 * 1024 * 1024)}1]}`)),
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16le',
  'application/json; charset=latin1',
  'application/JSON',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'a/b/c',
  ';;;',
  '',
];

const ENCODINGS = ['gzip', 'x-gzip', 'GZIP', ' gzip ', 'deflate', 'br', 'gzip, gzip', 'identity', 'compress', 'zstd', '*'];

function authHeader(rng: Rng, target: HttpFuzzTarget): string | undefined {
  return rng.weighted<() => string | undefined>([
    [60, () => `Bearer ${rng.pick(target.tokens)}`],
    [1, () => undefined],
    [1, () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    [1, () => 'Bearer'],
    [1, () => 'Bearer '],
    [1, () => `Bearer ${rng.bytes(rng.int(1, 64)).toString('base64url')}`],
    [1, () => `bearer ${rng.pick(target.tokens)}`],
    [1, () => `Token ${rng.pick(target.tokens)}`],
    [
      1,
      () =>
        `Bearer ${mutateBytes(rng, Buffer.from(rng.pick(target.tokens)))
          .toString('latin1')
          .replace(/[^\x21-\x7e]/g, 'x')}`,
    ],
    [
      1,
      () =>
        `Bearer eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ sub: 'x', role: 'platform-admin' })).toString('base64url')}.`,
    ],
    [1, () => `Bearer ${'A'.repeat(rng.int(1000, 20_000))}`],
    [1, () => `Digest username="a", realm="b"`],
  ])();
}

function fillPath(rng: Rng, op: Operation, target: HttpFuzzTarget): string {
  let p = op.path;
  for (const name of op.pathParams) {
    const hinted = target.hints[name];
    const value = rng.weighted<() => string>([
      [6, () => (hinted?.length ? String(rng.pick(hinted)) : '00000000-0000-0000-0000-000000000000')],
      [1, () => String(fromJsonSchema(rng, { type: 'string', format: 'uuid' }))],
      [1, () => rng.pick(['..', '%2e%2e', '%00', '%ff', 'null', '-1', '1e99', ' ', '%20', 'x'.repeat(3000), '%E0%A4%A'])],
      [1, () => pct(rng.bytes(rng.int(1, 16)).toString('latin1'))],
    ])();
    p = p.replace(`{${name}}`, value);
  }
  return p;
}

/** Percent-encoding of the UTF-8 bytes (lone surrogates included, which encodeURIComponent refuses). */
function pct(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8'))
    out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`;
  return out;
}

function queryString(rng: Rng, op: Operation, target: HttpFuzzTarget): string {
  const parts: string[] = [];
  for (const q of op.query) {
    if (rng.bool(0.6)) continue;
    const hinted = target.hints[q.name];
    const v = rng.weighted<() => unknown>([
      [3, () => (hinted?.length ? rng.pick(hinted) : fromJsonSchema(rng, q.schema))],
      [2, () => fromJsonSchema(rng, q.schema)],
      [1, () => randomJson(rng, 0)],
    ])();
    parts.push(`${pct(q.name)}=${pct(typeof v === 'string' ? v : JSON.stringify(v))}`);
  }
  if (rng.bool(0.05)) parts.push(rng.pick(['__proto__[x]=1', 'limit=-1', 'limit=1e9', 'offset=99999999999999', 'a=%', '=&=&']));
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function bodyFor(rng: Rng, op: Operation, target: HttpFuzzTarget): { body: Buffer; what: string } {
  const valid = () => fromJsonSchema(rng, op.bodySchema ?? { type: 'object' }, target.hints);
  const kind = rng.weighted<string>([
    [5, 'schema'],
    [6, 'mutated'],
    [2, 'random-json'],
    [2, 'random-bytes'],
    [1, 'mutated-bytes'],
    [1, 'deep-nesting'],
    [1, 'huge-array'],
    [2, 'proto-keys'],
    [1, 'invalid-utf8'],
    [1, 'empty'],
  ]);
  switch (kind) {
    case 'schema':
      return { body: Buffer.from(JSON.stringify(valid())), what: kind };
    case 'mutated':
      return { body: Buffer.from(JSON.stringify(mutateJson(rng, valid()))), what: kind };
    case 'random-json':
      return { body: Buffer.from(JSON.stringify(randomJson(rng, 4))), what: kind };
    case 'random-bytes':
      return { body: rng.bytes(rng.int(0, 4096)), what: kind };
    case 'mutated-bytes':
      return { body: mutateBytes(rng, Buffer.from(JSON.stringify(valid()))), what: kind };
    case 'deep-nesting':
      return {
        body: Buffer.from(deepNesting(rng.pick([100, 1000, 10_000, 100_000]), rng.pick(['array', 'object'] as const))),
        what: kind,
      };
    case 'huge-array': {
      const n = rng.pick([10_000, 100_000, 1_000_000]);
      const item = JSON.stringify(rng.bool() ? valid() : 1);
      const key = rng.pick(['readings', 'items', 'rules', 'x']);
      return { body: Buffer.from(`{"${key}":[${`${item},`.repeat(n - 1)}${item}]}`), what: `${kind}-${n}` };
    }
    case 'proto-keys': {
      const v = valid();
      const json = JSON.stringify(v);
      const inject = rng.pick([
        '"__proto__":{"role":"platform-admin","isAdmin":true}',
        '"constructor":{"prototype":{"polluted":true}}',
        '"__proto__":null',
        '"__proto__":[1]',
      ]);
      const body = json.startsWith('{') && json !== '{}' ? `{${inject},${json.slice(1)}` : `{${inject}}`;
      return { body: Buffer.from(body), what: kind };
    }
    case 'invalid-utf8':
      return { body: withInvalidUtf8(rng, JSON.stringify(valid())), what: kind };
    default:
      return { body: Buffer.alloc(0), what: kind };
  }
}

/** One generated request (a pure function of `rng`: the same seed and index give the same request). */
export function generateRequest(rng: Rng, target: HttpFuzzTarget): FuzzRequest {
  const op = rng.pick(target.operations);
  let method = op.method;
  if (rng.bool(0.05)) method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
  let path = fillPath(rng, op, target) + queryString(rng, op, target);
  if (rng.bool(0.03))
    path = rng.pick(['/', '/v1', '/v1/', '/..%2f..%2fetc/passwd', '/v1/%', `/v1/${'a/'.repeat(500)}`, '//v1//x']);
  const headers: Record<string, string> = {};
  const auth = authHeader(rng, target);
  if (auth !== undefined) headers.authorization = auth;
  if (rng.bool(0.05)) headers['if-match'] = rng.pick(['"0"', '*', 'W/"1"', '"', 'x'.repeat(500)]);
  let body: Buffer | undefined;
  let what = 'no-body';
  const sendsBody = op.bodySchema !== undefined || method === 'POST' || rng.bool(0.1);
  if (sendsBody) {
    const b = bodyFor(rng, op, target);
    body = b.body;
    what = b.what;
    headers['content-type'] = rng.weighted([
      [8, 'application/json'],
      [4, rng.pick(CONTENT_TYPES)],
    ]);
    if (headers['content-type'] === '') delete headers['content-type'];
    const encoding = rng.weighted<string>([
      [6, 'none'],
      [3, 'gzip'],
      [1, 'gzip-garbage'],
      [1, 'gzip-truncated'],
      [1, 'gzip-bomb'],
      [1, 'odd'],
    ]);
    if (encoding === 'gzip') {
      body = gzipSync(body);
      headers['content-encoding'] = rng.pick(['gzip', 'x-gzip', 'gzip']);
    } else if (encoding === 'gzip-garbage') {
      body = rng.bool() ? rng.bytes(rng.int(0, 2048)) : mutateBytes(rng, gzipSync(body));
      headers['content-encoding'] = 'gzip';
    } else if (encoding === 'gzip-truncated') {
      const z = gzipSync(body);
      body = z.subarray(0, rng.int(0, Math.max(0, z.length - 1)));
      headers['content-encoding'] = 'gzip';
    } else if (encoding === 'gzip-bomb') {
      body = rng.pick(BOMBS);
      headers['content-encoding'] = 'gzip';
    } else if (encoding === 'odd') {
      headers['content-encoding'] = rng.pick(ENCODINGS);
      if (headers['content-encoding'].includes('gzip') && rng.bool()) body = gzipSync(body);
    }
    what = `${what}/${encoding}/${headers['content-type'] ?? 'no-type'}`;
  }
  // Characters node:http refuses to send are percent-encoded (the server must cope with what arrives, not we).
  path = path.replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return { method, path, headers, body, what };
}

export type Answer = { status: number; body: string } | { error: string };

/** Sends one request; network errors and the timeout come back as `{ error }`. */
export function send(agent: http.Agent, baseUrl: string, req: FuzzRequest, timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve) => {
    const u = new URL(baseUrl);
    const r = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size < 65_536) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ error: (err as { code?: string }).code ?? err.message }));
      },
    );
    r.on('timeout', () => {
      r.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
    });
    r.on('error', (err) => resolve({ error: (err as { code?: string }).code ?? err.message }));
    if (req.body) r.end(req.body);
    else r.end();
  });
}

export interface HttpFuzzRun {
  readonly tally: FuzzTally;
  /** The target of each burst (a fresh victim tenant each time, as the last burst may have deleted its own). */
  readonly target: (burst: number) => Promise<HttpFuzzTarget>;
  readonly count: number;
  readonly burst: number;
  readonly concurrency: number;
  /** Whether every process of the way in still runs. */
  readonly alive: () => boolean;
  /** A valid input on the same way in: accepted and stored? (`detail` says what failed). */
  readonly validAfter: () => Promise<{ ok: boolean; detail?: string }>;
}

/** Sends `count` generated requests in bursts; after each burst checks the processes and a valid input. */
export async function fuzzHttp(run: HttpFuzzRun): Promise<void> {
  const { tally } = run;
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.concurrency });
  try {
    for (let start = 0; start < run.count; start += run.burst) {
      const n = Math.min(run.burst, run.count - start);
      const target = await run.target(start / run.burst);
      await runPool(n, run.concurrency, async (k) => {
        const i = start + k;
        const req = generateRequest(tally.rng.fork(`#${i}`), target);
        const answer = await send(agent, target.url, req);
        if ('error' in answer) {
          tally.outcome(answer.error);
          if (fuzzDebug())
            process.stderr.write(
              `#${i} ${req.method} ${req.path} ${req.what} ${JSON.stringify(req.headers).slice(0, 300)}: ${answer.error}\n`,
            );
          // A connection the server closed while a refused body was still being sent is an answer of sorts;
          // a timeout, or any error while the process is gone, is a crash.
          if (answer.error === 'TIMEOUT' || !run.alive())
            tally.crash(`#${i} ${req.method} ${req.path} ${req.what}: ${answer.error}`);
          return;
        }
        tally.outcome(answer.status);
        if (answer.status >= 500) {
          tally.crash(`#${i} ${req.method} ${req.path} ${req.what}: ${answer.status} ${answer.body.slice(0, 300)}`);
        }
      });
      if (!run.alive()) {
        tally.crash(`process gone after the burst ending at #${start + n - 1}`);
        tally.validAfter(false, 'process gone');
        return;
      }
      const v = await run.validAfter();
      tally.validAfter(v.ok, `after #${start + n - 1}: ${v.detail ?? ''}`);
    }
  } finally {
    agent.destroy();
  }
}
