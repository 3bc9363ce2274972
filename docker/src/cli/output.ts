/** How the CLI talks to a person: short lines on stderr, results on stdout. */
import type { Reporter } from '../stack/stack.js';

export const consoleReporter: Reporter = {
  info: (m) => process.stderr.write(`vitals: ${m}\n`),
  warn: (m) => process.stderr.write(`vitals: warning: ${m}\n`),
};

export function fail(err: unknown): never {
  const e = err as { code?: string; message?: string; problems?: string[] };
  process.stderr.write(`vitals: error${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}\n`);
  process.exit(1);
}
