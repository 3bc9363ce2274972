/**
 * What a service process does with an error that no request, message or connection owned: an 'error' event
 * nobody listened for, a throw in a timer, a rejected promise nobody awaited. Such an error means the process's
 * state is unknown, so it stays fatal: one JSON log line (pino's shape, level 60) on stderr, then exit code 1,
 * and the supervisor (systemd, Kubernetes, `vitals start`) restarts it. Errors of a request are handled by that
 * request (cloud/src/http/error-handler.ts), of a connection by that connection; they never reach here.
 */

export interface FatalHandlerOptions {
  /** Service name in the log line. */
  readonly name: string;
  /** Writes one line (default: stderr, synchronously enough for a dying process). */
  readonly write?: (line: string) => void;
  /** Ends the process (default `process.exit`). */
  readonly exit?: (code: number) => void;
  /** The process to listen on (default `process`); tests pass an emitter. */
  readonly target?: Pick<NodeJS.EventEmitter, 'on'>;
  readonly now?: () => number;
}

function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { type: err.name, message: err.message, stack: err.stack, ...(code === undefined ? {} : { code }) };
  }
  return { type: typeof err, message: String(err) };
}

/** Makes an uncaught exception (and an unhandled rejection, which Node raises as one) log and exit 1. */
export function installFatalHandlers(o: FatalHandlerOptions): void {
  const write = o.write ?? ((line: string) => process.stderr.write(line));
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const target = o.target ?? process;
  const now = o.now ?? Date.now;
  target.on('uncaughtException', (err: unknown, origin: unknown) => {
    try {
      write(
        `${JSON.stringify({ level: 60, time: now(), name: o.name, origin, err: describeError(err), msg: 'uncaught exception; exiting' })}\n`,
      );
    } finally {
      exit(1);
    }
  });
}
