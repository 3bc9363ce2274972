/** Option parsers for the packages' CLI commands (commander reports errors coded `commander.invalidArgument`). */

function invalid(message: string): Error {
  return Object.assign(new Error(message), { code: 'commander.invalidArgument' });
}

export function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalid('must be a port number 0-65535');
  return n;
}

export function positiveIntOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw invalid('must be a positive integer');
  return n;
}
