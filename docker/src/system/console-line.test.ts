import { describe, expect, it } from 'vitest';
import { consoleLine } from './console-line.js';

describe('consoleLine', () => {
  const info = JSON.stringify({ level: 30, msg: 'request completed' });
  const warn = JSON.stringify({
    level: 40,
    msg: 'uplink down',
    err: { message: 'connect ECONNREFUSED', code: 'EDGE_ERR_UPLINK' },
  });

  it('hides info and debug log lines', () => {
    expect(consoleLine(info, false)).toBeNull();
    expect(consoleLine(JSON.stringify({ level: 20, msg: 'x' }), false)).toBeNull();
  });

  it('shows a warning as one short line with the error message and code', () => {
    expect(consoleLine(warn, false)).toBe('WARN uplink down: connect ECONNREFUSED [EDGE_ERR_UPLINK]');
  });

  it('does not repeat an error message the log message already holds', () => {
    const line = JSON.stringify({ level: 50, msg: 'failed: boom', err: { message: 'boom' } });
    expect(consoleLine(line, false)).toBe('ERROR failed: boom');
  });

  it('passes plain text through and drops blank lines', () => {
    expect(consoleLine('vitals: cloud storage listening on http://127.0.0.1:8080', false)).toBe(
      'vitals: cloud storage listening on http://127.0.0.1:8080',
    );
    expect(consoleLine('   ', false)).toBeNull();
    expect(consoleLine('{not json', false)).toBe('{not json');
  });

  it('shows everything when verbose', () => {
    expect(consoleLine(info, true)).toBe(info);
  });
});
