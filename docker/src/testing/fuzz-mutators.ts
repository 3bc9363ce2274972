/** Mutators of the fuzz kit: edits of bytes and JSON, random JSON with odd values and keys, deep nesting, invalid UTF-8. */
import type { Rng } from './fuzz.js';

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
