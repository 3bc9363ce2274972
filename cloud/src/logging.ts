/**
 * pino for the cloud services. Patient-identifying fields (MRN, names, birth date), credentials and PostgreSQL
 * error details (which quote the offending values) are redacted wherever they appear in a log object, up to
 * three levels deep, and in query strings of logged request URLs. Internal UUIDs (patient id, device id) are pseudonymous and stay, so operators can trace.
 */
import pino from 'pino';

export type Logger = pino.Logger;

const IDENTIFYING = ['mrn', 'givenName', 'familyName', 'birthDate', 'given_name', 'family_name', 'birth_date'];
const SECRETS = ['token', 'apiKey', 'password', 'secret', 'token_hash', 'key_hash'];

function atDepths(field: string): string[] {
  return [field, `*.${field}`, `*.*.${field}`];
}

export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'err.detail',
  'err.cause.detail',
  ...IDENTIFYING.flatMap(atDepths),
  ...SECRETS.flatMap(atDepths),
];

/** A request URL with the values of identifying query parameters (`?mrn=...`) replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ');
      return IDENTIFYING.includes(name) || SECRETS.includes(name)
        ? `${pair.slice(0, eq < 0 ? pair.length : eq)}=[redacted]`
        : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** What a request log line shows of the request (fastify logs `{ req }` on arrival). */
function requestSerializer(req: { method?: string; url?: string; ip?: string; host?: string }) {
  return { method: req.method, url: redactUrl(String(req.url ?? '')), host: req.host, remoteAddress: req.ip };
}

export interface LoggerSettings {
  readonly level: string;
  readonly name?: string;
  /** Where to write (default stdout); tests pass a stream to inspect the output. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(s: LoggerSettings): Logger {
  const options: pino.LoggerOptions = {
    level: s.level,
    name: s.name,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err, req: requestSerializer },
  };
  return s.destination ? pino(options, s.destination) : pino(options);
}
