/**
 * The fuzz kit shared by every `*.fuzz.ts`: a seeded PRNG (a fixed seed by default, `FUZZ_SEED` to replay a
 * run), mutators for bytes and JSON, and a tally per way in that ends as one summary line (inputs sent,
 * outcomes by status, crashes, whether a valid input was still accepted afterwards, RSS of each process),
 * printed and written to `test-output/fuzz/<way>.json` (`FUZZ_OUTPUT_DIR` to put it elsewhere).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

export { deepNesting, invalidUtf8, mutateBytes, mutateJson, randomJson, withInvalidUtf8 } from './fuzz-mutators.js';
export { fromJsonSchema } from './fuzz-schema-values.js';
export { tcpExchange, type TcpExchange } from './fuzz-tcp.js';
