/**
 * What `vitals start` shows on the terminal of a service's output line. The full output goes to the service's
 * log file; the terminal gets warnings and errors (as one short line each) and any plain-text line (the CLI's
 * own messages), so the URLs and the periodic summary are not buried under request logs. `verbose` shows all.
 */
const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

interface PinoLine {
  level?: unknown;
  msg?: unknown;
  err?: { message?: unknown; code?: unknown };
}

export function consoleLine(line: string, verbose: boolean): string | null {
  if (verbose) return line;
  if (!line.startsWith('{')) return line.trim() === '' ? null : line;
  let parsed: PinoLine;
  try {
    parsed = JSON.parse(line) as PinoLine;
  } catch {
    return line;
  }
  const level = typeof parsed.level === 'number' ? parsed.level : 30;
  if (level < 40) return null;
  const name = LEVELS[level] ?? `LEVEL ${level}`;
  const msg = typeof parsed.msg === 'string' ? parsed.msg : '';
  const err = parsed.err;
  const detail = err && typeof err.message === 'string' && !msg.includes(err.message) ? `: ${err.message}` : '';
  const code = err && typeof err.code === 'string' ? ` [${err.code}]` : '';
  return `${name} ${msg}${detail}${code}`.trim();
}
