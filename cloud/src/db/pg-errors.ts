/**
 * Classifying PostgreSQL errors: "the database is unavailable" (retry later: 503, counts for the circuit
 * breaker) versus an answer about the data (constraint violations, mapped to 4xx by the callers).
 */

/** SQLSTATEs we map to HTTP answers. */
export const PG_CODES = Object.freeze({
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  exclusionViolation: '23P01',
  checkViolation: '23514',
  notNullViolation: '23502',
  invalidTextRepresentation: '22P02',
  /** A NUL (0x00) in a text parameter: PostgreSQL text cannot hold one. */
  characterNotInRepertoire: '22021',
  /** `\u0000` inside a jsonb value, likewise. */
  untranslatableCharacter: '22P05',
  queryCanceled: '57014',
});

const NODE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/**
 * node-postgres raises its own client-side failures without a code; these message prefixes are the library's
 * stable wording (pg/lib/client.js, pg-pool/index.js). Only this module looks at them.
 */
const PG_CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Query read timeout',
  'Cannot use a pool after calling end on the pool',
];

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the error says the server is unreachable, restarting, overloaded or timed out. */
export function isPgUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = pgCode(err);
  if (code !== undefined) {
    if (NODE_NETWORK_CODES.has(code)) return true;
    // 08: connection exception; 57P0x: shutdown / cannot connect now; 53: insufficient resources; 57014: timeout.
    if (/^(08|53)/.test(code) || /^57P0[1-4]$/.test(code) || code === PG_CODES.queryCanceled) return true;
    return false;
  }
  if (PG_CLIENT_MESSAGES.some((m) => err.message.startsWith(m))) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err ? isPgUnavailable(cause) : false;
}

/** The constraint a violation names, if any. */
export function pgConstraint(err: unknown): string | undefined {
  const c = (err as { constraint?: unknown } | null)?.constraint;
  return typeof c === 'string' ? c : undefined;
}

/** The table a foreign-key violation points at (`... is not present in table "departments"`), if any. */
export function pgReferencedTable(err: unknown): string | undefined {
  const detail = (err as { detail?: unknown } | null)?.detail;
  if (typeof detail !== 'string') return undefined;
  return /(?:is not present in|is still referenced from) table "([a-z_]+)"/.exec(detail)?.[1];
}
