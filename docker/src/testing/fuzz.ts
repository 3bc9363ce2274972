/**
 * The fuzz kit shared by every `*.fuzz.ts`: a seeded PRNG (a fixed seed by default, `FUZZ_SEED` to replay a
 * run), mutators for bytes and JSON, and a tally per way in that ends as one summary line (inputs sent,
 * outcomes by status, crashes, whether a valid input was still accepted afterwards, RSS of each process),
 * printed and written to `test-output/fuzz/<way>.json` (`FUZZ_OUTPUT_DIR` to put it elsewhere).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The seed of a run when `FUZZ_SEED` is not set (issue 19). */
export const DEFAULT_FUZZ_SEED = 0x19;

/** `FUZZ_SEED` (decimal or 0x hex) or the default: the same seed gives the same inputs. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FUZZ_SEED?.trim();
  if (!raw) return DEFAULT_FUZZ_SEED;
  const n = raw.startsWith('0x') ? Number.parseInt(raw.slice(2), 16) : Number.parseInt(raw, 10);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`FUZZ_SEED must be a non-negative integer, got "${raw}"`);
  return n >>> 0;
}

/** How many inputs a way in sends: `FUZZ_INPUTS` overrides `fallback` (for a quick local run, never in CI). */
export function fuzzInputs(fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FUZZ_INPUTS?.trim();
  if (!raw) return fallback;
  const n = Number.parseInt(raw, 10);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`FUZZ_INPUTS must be a positive integer, got "${raw}"`);
  return n;
}

/** `FUZZ_DEBUG=1`: print each input that ended in a network error, and service logs on a failed check. */
export function fuzzDebug(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.FUZZ_DEBUG);
}

/** A small, fast, seeded PRNG (sfc32): every draw of a fuzz run comes from one of these. */
export interface Rng {
  /** The seed it was made from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number;
  bool(p?: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T;
  bytes(n: number): Buffer;
  /** A derived generator for one part of a run, so adding draws elsewhere does not shift it. */
  fork(label: string): Rng;
}

function hash32(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const u32 = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) u32();
  const next = () => u32() / 4294967296;
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    seed,
    next,
    int,
    bool: (p = 0.5) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    weighted: <T>(choices: ReadonlyArray<readonly [number, T]>): T => {
      const total = choices.reduce((s, [w]) => s + w, 0);
      let r = next() * total;
      for (const [w, v] of choices) {
        r -= w;
        if (r < 0) return v;
      }
      return choices[choices.length - 1]![1];
    },
    bytes: (n: number) => {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = u32() & 0xff;
      return out;
    },
    fork: (label: string) => createRng(hash32(label, seed)),
  };
}

// ---- mutators -------------------------------------------------------------------------------------------

/** One to four random edits of `input`: bit flips, byte sets, inserts, deletes, truncation, duplication. */
export function mutateBytes(rng: Rng, input: Buffer): Buffer {
  let buf = Buffer.from(input);
  const edits = rng.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = buf.length === 0 ? 0 : rng.int(0, buf.length - 1);
    switch (rng.int(0, 6)) {
      case 0:
        if (buf.length > 0) buf[at] = buf[at]! ^ (1 << rng.int(0, 7));
        break;
      case 1:
        if (buf.length > 0) buf[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x0b, 0x1c, 0x0d, 0x22, 0x7b, 0x5b]);
        break;
      case 2:
        buf = Buffer.concat([buf.subarray(0, at), rng.bytes(rng.int(1, 16)), buf.subarray(at)]);
        break;
      case 3:
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + rng.int(1, 16)))]);
        break;
      case 4:
        buf = buf.subarray(0, at);
        break;
      case 5:
        buf = Buffer.concat([buf, buf.subarray(at, at + rng.int(1, 64))]);
        break;
      default:
        if (buf.length > 1) {
          const to = rng.int(0, buf.length - 1);
          const tmp = buf[at]!;
          buf[at] = buf[to]!;
          buf[to] = tmp;
        }
    }
  }
  return buf;
}

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  "'; DROP TABLE readings; --",
  '%00',
  '\ud800',
  '\uffff',
  '🫀',
  'NaN',
  'null',
  '1e309',
  '-0',
  '9'.repeat(40),
  'x'.repeat(5000),
  '2026-13-45T25:61:61Z',
  '00000000-0000-0000-0000-000000000000',
];

const WEIRD_NUMBERS = [0, -1, 1, 0.5, -0.0, 1e308, -1e308, 2 ** 53, -(2 ** 53), 2 ** 31, 4294967296, 1e-320];

/** A random JSON value up to `depth` levels, with odd strings, numbers and keys. */
export function randomJson(rng: Rng, depth = 3): unknown {
  const kind = depth <= 0 ? rng.int(0, 4) : rng.int(0, 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.bool(0.5) ? rng.pick(WEIRD_NUMBERS) : rng.int(-1000, 1000);
    case 3:
      return rng.bool(0.5) ? rng.pick(WEIRD_STRINGS) : rng.bytes(rng.int(0, 12)).toString('latin1');
    case 4:
      return rng.bytes(rng.int(0, 8)).toString('hex');
    case 5:
      return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 5); i > 0; i--) out[randomKey(rng)] = randomJson(rng, depth - 1);
      return out;
    }
  }
}

function randomKey(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => rng.pick(['id', 'customerId', 'readings', 'value', 'metric', 'deviceId', 'version', 'type', 'name'])],
    [1, () => rng.pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'])],
    [1, () => rng.pick(WEIRD_STRINGS)],
  ])();
}

/**
 * A structural mutation of a valid JSON value: a field replaced, removed or added (prototype-pollution keys
 * included), a value's type changed. Returns a new value; `value` is not changed.
 */
export function mutateJson(rng: Rng, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value ?? null)) as unknown;
  const edits = rng.int(1, 3);
  let out = copy;
  for (let i = 0; i < edits; i++) out = mutateOnce(rng, out, 0);
  return out;
}

function mutateOnce(rng: Rng, v: unknown, depth: number): unknown {
  if (Array.isArray(v) && v.length > 0 && rng.bool(0.7)) {
    const i = rng.int(0, v.length - 1);
    if (rng.bool(0.15)) v.splice(i, 1);
    else v[i] = mutateOnce(rng, v[i], depth + 1);
    return v;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && rng.bool(0.8)) {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    const op = rng.int(0, 3);
    if (keys.length > 0 && op === 0) delete obj[rng.pick(keys)];
    else if (keys.length > 0 && op <= 2) {
      const k = rng.pick(keys);
      obj[k] = mutateOnce(rng, obj[k], depth + 1);
    } else
      Object.defineProperty(obj, randomKey(rng), {
        value: randomJson(rng, 2),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return obj;
  }
  return randomJson(rng, Math.max(0, 2 - depth));
}

/** A JSON text nested `depth` levels deep (arrays or objects). */
export function deepNesting(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Bytes that are not valid UTF-8 (lone continuation bytes, overlong forms, surrogates, truncated sequences). */
export function invalidUtf8(rng: Rng): Buffer {
  const bad = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff, 0xfe]];
  return Buffer.from(rng.pick(bad));
}

/** `text` with invalid UTF-8 sequences spliced in at random places. */
export function withInvalidUtf8(rng: Rng, text: string): Buffer {
  const buf = Buffer.from(text, 'utf8');
  const at = rng.int(0, buf.length);
  return Buffer.concat([buf.subarray(0, at), invalidUtf8(rng), buf.subarray(at)]);
}

// ---- tally and summary ----------------------------------------------------------------------------------

export interface FuzzSummary {
  readonly way: string;
  readonly seed: number;
  readonly inputs: number;
  /** Answers by status (`"400"`) or outcome (`"closed"`, `"dlq"`), with how often. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly crashes: number;
  /** The first few crashes, each with the input's index to replay it. */
  readonly crashSamples: readonly string[];
  /** Whether a valid input on the same way in was accepted (and stored) after every burst. */
  readonly validAfter: boolean;
  /** Resident set size of each process after the run, MiB (`null`: it is no longer running). */
  readonly rssMiB: Readonly<Record<string, number | null>>;
  readonly durationMs: number;
  /** Anything else worth reporting (for example a reduced input count and why). */
  readonly note?: string;
}

export interface FuzzTally {
  readonly way: string;
  readonly rng: Rng;
  /** Counts one input sent and how it was answered. */
  outcome(what: string | number): void;
  /** Counts a crash (a 5xx, a dead process, a stopped consumer) with what input caused it. */
  crash(detail: string): void;
  /** Records the result of one "a valid input is still accepted" check (all must pass for "yes"). */
  validAfter(ok: boolean, detail?: string): void;
  readonly inputs: number;
  readonly crashes: number;
  readonly crashSamples: readonly string[];
  /** Prints the summary line and writes the JSON file; returns the summary. */
  finish(o: { rssMiB: Record<string, number | null>; note?: string }): FuzzSummary;
}

export function createTally(way: string, seed: number = fuzzSeed()): FuzzTally {
  const started = Date.now();
  const rng = createRng(seed).fork(way);
  const outcomes = new Map<string, number>();
  const crashSamples: string[] = [];
  let inputs = 0;
  let crashes = 0;
  let valids = 0;
  let validFailures = 0;
  return {
    way,
    rng,
    outcome(what) {
      inputs++;
      const k = String(what);
      outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    },
    crash(detail) {
      crashes++;
      if (crashSamples.length < 10) crashSamples.push(detail);
    },
    validAfter(ok, detail) {
      valids++;
      if (!ok) {
        validFailures++;
        if (crashSamples.length < 10) crashSamples.push(`valid input refused: ${detail ?? '(no detail)'}`);
      }
    },
    get inputs() {
      return inputs;
    },
    get crashes() {
      return crashes;
    },
    get crashSamples() {
      return crashSamples;
    },
    finish(o) {
      const summary: FuzzSummary = {
        way,
        seed,
        inputs,
        outcomes: Object.fromEntries([...outcomes].sort(([a], [b]) => a.localeCompare(b))),
        crashes,
        crashSamples,
        validAfter: valids > 0 && validFailures === 0,
        rssMiB: o.rssMiB,
        durationMs: Date.now() - started,
        ...(o.note ? { note: o.note } : {}),
      };
      const line = summaryLine(summary);
      process.stdout.write(`${line}\n`);
      const dir = process.env.FUZZ_OUTPUT_DIR ?? path.join(process.cwd(), 'test-output', 'fuzz');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${way}.json`), `${JSON.stringify({ ...summary, line }, null, 2)}\n`);
      return summary;
    },
  };
}

/** `fuzz storage-api: seed 0x19, 10000 inputs (400 x5000, 401 x...), crashes 0, valid-after yes, RSS storage 120 MiB, 41 s` */
export function summaryLine(s: FuzzSummary): string {
  const outcomes = Object.entries(s.outcomes)
    .map(([k, n]) => `${k} x${n}`)
    .join(', ');
  const rss = Object.entries(s.rssMiB)
    .map(([k, v]) => `${k} ${v === null ? 'GONE' : `${v} MiB`}`)
    .join(', ');
  return (
    `fuzz ${s.way}: seed 0x${s.seed.toString(16)}, ${s.inputs} inputs (${outcomes}), crashes ${s.crashes}, ` +
    `valid-after ${s.validAfter ? 'yes' : 'NO'}, RSS ${rss}, ${Math.round(s.durationMs / 1000)} s` +
    (s.note ? ` (${s.note})` : '')
  );
}

/** Resident set size of a process in MiB (from /proc), or null if it no longer runs. */
export function rssOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** Runs `count` tasks with at most `concurrency` at once (task `i` gets its index). */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---- values from a JSON schema (the OpenAPI document's request schemas) --------------------------------

type Schema = Record<string, unknown>;

/**
 * A value that mostly satisfies `schema` (types, enums, required properties, formats uuid/date-time, bounds),
 * so a mutation of it reaches past validation into the handler. A property whose name is in `hints` takes one
 * of the hinted values most of the time (ids of a tenant that exists).
 */
export function fromJsonSchema(
  rng: Rng,
  schema: Schema | undefined,
  hints: Record<string, readonly unknown[]> = {},
  depth = 0,
): unknown {
  if (!schema || depth > 8) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return rng.pick(schema.enum as unknown[]);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return fromJsonSchema(rng, rng.pick(alternatives), hints, depth + 1);
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...(schema.allOf as Schema[]).map((s) => fromJsonSchema(rng, s, hints, depth + 1)));
  }
  let type = schema.type;
  if (Array.isArray(type)) type = rng.pick(type as string[]);
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(props)) {
        if (!required.has(k) && rng.bool(0.5)) continue;
        const hinted = hints[k];
        out[k] = hinted?.length && rng.bool(0.85) ? rng.pick(hinted) : fromJsonSchema(rng, s, hints, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = Number(schema.minItems ?? 0);
      const max = Math.min(Number(schema.maxItems ?? min + 4), min + 4);
      return Array.from({ length: rng.int(min, max) }, () => fromJsonSchema(rng, schema.items as Schema, hints, depth + 1));
    }
    case 'integer':
    case 'number': {
      const lo = Number(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 0));
      const hi = Number(
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? Number(schema.exclusiveMaximum) - 1 : lo + 1000),
      );
      const n = lo + rng.next() * (hi - lo);
      return type === 'integer' ? Math.round(n) : Math.round(n * 100) / 100;
    }
    case 'boolean':
      return rng.bool();
    case 'null':
      return null;
    case 'string':
      return stringFor(rng, schema);
    default:
      return randomJson(rng, 1);
  }
}

function uuidOf(rng: Rng): string {
  const h = rng.bytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function stringFor(rng: Rng, schema: Schema): string {
  switch (schema.format) {
    case 'uuid':
      return uuidOf(rng);
    case 'date-time':
      return new Date(Date.now() - rng.int(0, 3_600_000)).toISOString();
    case 'date':
      return new Date(Date.now() - rng.int(0, 86_400_000 * 30)).toISOString().slice(0, 10);
    case 'email':
      return `fuzz${rng.int(0, 9999)}@example.org`;
    default: {
      const min = Number(schema.minLength ?? 1);
      const max = Math.max(min, Math.min(Number(schema.maxLength ?? 12), 24));
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
      let s = '';
      for (let i = rng.int(Math.max(min, 2), Math.max(max, 2)); i > 0; i--) s += alphabet[rng.int(0, alphabet.length - 1)];
      return s.slice(0, Math.max(max, 1));
    }
  }
}

export interface TcpExchange {
  /** What came back before the connection closed or `waitMs` passed. */
  readonly received: Buffer;
  /** The server closed the connection (FIN or reset) within `waitMs`. */
  readonly closed: boolean;
  /** A socket error (ECONNRESET, EPIPE, ECONNREFUSED), if any. */
  readonly error?: string;
}

/**
 * Opens a TCP connection, writes `bytes` (in `chunks` pieces, to cross the peer's read boundaries), and waits
 * until the peer closes it or `waitMs` passes, then destroys it. `until` ends the wait early once enough came back.
 */
export function tcpExchange(
  port: number,
  bytes: Buffer,
  o: {
    waitMs?: number;
    chunks?: number;
    until?: (received: Buffer) => boolean;
    /** Written once `when` holds for what came back (e.g. a PUBLISH after the CONNACK, as a real client does). */
    then?: { when: (received: Buffer) => boolean; bytes: Buffer };
  } = {},
): Promise<TcpExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(received), closed, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false), o.waitMs ?? 200);
    let thenWritten = false;
    socket.on('data', (c: Buffer) => {
      received.push(c);
      const all = Buffer.concat(received);
      if (o.then && !thenWritten && o.then.when(all)) {
        thenWritten = true;
        socket.write(o.then.bytes);
      }
      if (o.until?.(all)) finish(false);
    });
    socket.on('error', (err: Error & { code?: string }) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => finish(true));
    socket.once('connect', () => {
      const n = Math.max(1, Math.min(o.chunks ?? 1, bytes.length));
      const size = Math.ceil(bytes.length / n);
      for (let i = 0; i < bytes.length; i += size) socket.write(bytes.subarray(i, i + size));
    });
  });
}
