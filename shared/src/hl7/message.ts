/**
 * HL7 v2 message structure: segments split by CR, fields by the MSH-1 separator, components, repetitions and
 * escapes by the MSH-2 encoding characters. Pure; a message that is not HL7 gives a typed error.
 */

export interface Encoding {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
}

export const DEFAULT_ENCODING: Encoding = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

export interface Segment {
  readonly id: string;
  /** Raw fields; index 0 is the segment id, so fields[n] is field n (for MSH, fields[1] is the separator). */
  readonly fields: readonly string[];
}

export interface Hl7Message {
  readonly encoding: Encoding;
  readonly segments: readonly Segment[];
}

export class Hl7ParseError extends Error {
  readonly code = 'HL7_PARSE_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'Hl7ParseError';
  }
}

export function parseHl7(text: string): Hl7Message {
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
  const first = lines[0];
  if (!first?.startsWith('MSH') || first.length < 8) throw new Hl7ParseError('message does not start with an MSH segment');
  const fieldSep = first[3]!;
  const enc = first.slice(4, first.indexOf(fieldSep, 4));
  if (enc.length < 4) throw new Hl7ParseError('MSH-2 encoding characters are missing');
  const encoding: Encoding = {
    field: fieldSep,
    component: enc[0]!,
    repetition: enc[1]!,
    escape: enc[2]!,
    subcomponent: enc[3]!,
  };
  const segments = lines.map((line): Segment => {
    const parts = line.split(fieldSep);
    const id = parts[0] ?? '';
    if (!/^[A-Z][A-Z0-9]{2}$/.test(id)) throw new Hl7ParseError(`bad segment id ${JSON.stringify(id.slice(0, 8))}`);
    // MSH-1 is the field separator itself: insert it so that fields[n] is MSH-n.
    const fields = id === 'MSH' ? ['MSH', fieldSep, ...parts.slice(1)] : parts;
    return { id, fields };
  });
  return { encoding, segments };
}

/** Field n of a segment ('' when absent). */
export function field(seg: Segment | undefined, n: number): string {
  return seg?.fields[n] ?? '';
}

/** Component c (1-based) of a field value, unescaped. */
export function component(value: string, c: number, enc: Encoding = DEFAULT_ENCODING): string {
  const first = value.split(enc.repetition)[0] ?? '';
  return unescapeHl7(first.split(enc.component)[c - 1] ?? '', enc);
}

export function unescapeHl7(value: string, enc: Encoding = DEFAULT_ENCODING): string {
  if (!value.includes(enc.escape)) return value;
  const e = enc.escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return value.replace(new RegExp(`${e}([FSTRE])${e}`, 'g'), (_m, c: string) =>
    c === 'F' ? enc.field : c === 'S' ? enc.component : c === 'T' ? enc.subcomponent : c === 'R' ? enc.repetition : enc.escape,
  );
}

export function escapeHl7(value: string, enc: Encoding = DEFAULT_ENCODING): string {
  let out = '';
  for (const ch of value) {
    if (ch === enc.escape) out += `${enc.escape}E${enc.escape}`;
    else if (ch === enc.field) out += `${enc.escape}F${enc.escape}`;
    else if (ch === enc.component) out += `${enc.escape}S${enc.escape}`;
    else if (ch === enc.subcomponent) out += `${enc.escape}T${enc.escape}`;
    else if (ch === enc.repetition) out += `${enc.escape}R${enc.escape}`;
    else if (ch === '\r' || ch === '\n') out += ' ';
    else out += ch;
  }
  return out;
}

/**
 * HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]) to epoch ms. Without an offset the time is taken as UTC
 * (our monitors are configured so; documented in the edge README). NaN when it is not a valid DTM.
 */
export function parseHl7Time(value: string): number {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/.exec(value.trim());
  if (!m) return Number.NaN;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '0', tz] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return Number.NaN;
  }
  if (tz) {
    const sign = tz.startsWith('-') ? -1 : 1;
    t -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5))) * 60_000;
  }
  return t;
}

export function formatHl7Time(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}
