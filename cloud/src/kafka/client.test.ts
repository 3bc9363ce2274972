import { describe, expect, it } from 'vitest';
import { logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logging.js';
import { bridge } from './client.js';

function capture() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_fields: object, msg: string) => lines.push({ level, msg });
  const log = { warn: at('warn'), debug: at('debug'), trace: at('trace') } as unknown as Logger;
  const write = bridge(log)();
  const entry = (level: logLevel, message: string): LogEntry => ({
    namespace: 'Connection',
    level,
    label: 'ERROR',
    log: { timestamp: '2026-11-25T00:00:00.000Z', message },
  });
  return { lines, send: (level: logLevel, message: string) => write(entry(level, message)) };
}

describe('kafkajs log bridge', () => {
  it('keeps a connection failure a warning', () => {
    const c = capture();
    c.send(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(c.lines).toEqual([{ level: 'warn', msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }]);
  });

  it('logs one attempt of a request kafkajs retries as detail, not as a warning', () => {
    const c = capture();
    c.send(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)');
    c.send(
      logLevel.ERROR,
      'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
    );
    expect(c.lines.map((l) => l.level)).toEqual(['debug', 'debug']);
  });

  it('drops the warning every bounded-retry idempotent producer gets, and maps info to debug', () => {
    const c = capture();
    c.send(logLevel.WARN, 'Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER');
    c.send(logLevel.INFO, 'Consumer has joined the group');
    expect(c.lines).toEqual([{ level: 'debug', msg: 'Consumer has joined the group' }]);
  });
});
