import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installFatalHandlers } from './fatal.js';

describe('installFatalHandlers', () => {
  it('logs an uncaught exception as one JSON line with its code and origin, then exits 1', () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const exits: number[] = [];
    installFatalHandlers({ name: 'storage', target, write: (l) => lines.push(l), exit: (c) => exits.push(c), now: () => 5 });
    const err = Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' });
    target.emit('uncaughtException', err, 'uncaughtException');
    expect(exits).toEqual([1]);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 60,
      time: 5,
      name: 'storage',
      origin: 'uncaughtException',
      msg: 'uncaught exception; exiting',
      err: { type: 'Error', message: 'incorrect header check', code: 'Z_DATA_ERROR' },
    });
  });

  it('exits 1 for a rejection that is not an Error, and even when the log line cannot be written', () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    installFatalHandlers({
      name: 'edge',
      target,
      write: () => {
        throw new Error('stderr closed');
      },
      exit: (c) => exits.push(c),
    });
    expect(() => target.emit('uncaughtException', 'just a string', 'unhandledRejection')).toThrow('stderr closed');
    expect(exits).toEqual([1]);
  });
});
