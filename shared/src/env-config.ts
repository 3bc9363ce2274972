/**
 * Configuration is read once: a package declares its settings (environment variable, default, one-line doc,
 * parser), `readConfig` parses the environment at start-up, fails fast with every problem listed, and returns
 * a frozen object. Nothing else reads `process.env`. docs/configuration.md is kept true by a test.
 */

export interface Setting<T> {
  readonly env: string;
  readonly doc: string;
  /** Default as text, parsed like an environment value; absent means required. */
  readonly default?: string;
  readonly parse: (raw: string) => T;
  /** Hidden from logs and `--help` output (tokens, passwords). */
  readonly secret?: boolean;
}

export type SettingsSpec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends SettingsSpec> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function readConfig<S extends SettingsSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<Record<keyof S, unknown>> = {},
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(spec)) {
    if (overrides[key] !== undefined) {
      out[key] = overrides[key];
      continue;
    }
    const raw = env[setting.env] ?? setting.default;
    if (raw === undefined) {
      problems.push(`${setting.env} is required (${setting.doc})`);
      continue;
    }
    try {
      out[key] = setting.parse(raw);
    } catch (err) {
      const shown = setting.secret ? '<hidden>' : JSON.stringify(raw);
      problems.push(`${setting.env}=${shown}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** Parsers for common setting shapes. */
export const parse = {
  string: (raw: string) => raw,
  nonEmpty: (raw: string) => {
    if (raw.trim() === '') throw new Error('must not be empty');
    return raw.trim();
  },
  int:
    (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    (raw: string) => {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error('must be an integer');
      if (n < min || n > max) throw new Error(`must be between ${min} and ${max}`);
      return n;
    },
  port: (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('must be a port number 0-65535');
    return n;
  },
  bool: (raw: string) => {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new Error('must be true or false');
  },
  url: (raw: string) => {
    try {
      return new URL(raw).toString().replace(/\/$/, '');
    } catch {
      throw new Error('must be a URL');
    }
  },
  list: (raw: string) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  oneOf:
    <T extends string>(...values: T[]) =>
    (raw: string): T => {
      if (!(values as string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
      return raw as T;
    },
  /** Byte sizes such as `512MB`, `2GiB`, `1000000`. */
  bytes: (raw: string) => {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$/i.exec(raw.trim());
    if (!m) throw new Error('must be a size such as 512MB or 2GiB');
    const unit = (m[2] ?? '').toLowerCase().replace(/i?b$/, '').replace('i', '');
    const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit];
    if (mult === undefined) throw new Error('unknown size unit');
    return Math.floor(Number(m[1]) * mult);
  },
  /** Durations such as `250ms`, `30s`, `5m`, `24h`, `7d`, or plain milliseconds. */
  duration: (raw: string) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
    if (!m) throw new Error('must be a duration such as 500ms, 30s, 5m, 24h or 7d');
    const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
    return Math.round(Number(m[1]) * mult);
  },
};

/** Markdown table rows describing a settings spec, for docs and `--help`. */
export function describeSettings(spec: SettingsSpec): string[] {
  return Object.values(spec).map(
    (s) => `| \`${s.env}\` | ${s.default === undefined ? '(required)' : `\`${s.default}\``} | ${s.doc} |`,
  );
}
