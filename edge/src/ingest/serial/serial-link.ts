/**
 * One serial port speaking HL7 v2 in MLLP. Opens the port, feeds bytes to a fresh HL7 session, writes the
 * acknowledgements back, and when the port disappears (cable pulled, adapter unplugged, socat gone) keeps
 * trying to reopen it every `reconnectMs` until it returns. A frame cut by the pull was never acknowledged, so
 * the monitor sends it again.
 */
import type { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { Clock, TimerHandle } from '@vitals/shared';
import type { Logger } from 'pino';
import { EdgeErrors } from '../../errors.js';
import { createHl7Session, type Hl7SessionOptions } from '../hl7/hl7-session.js';

/** The part of a serial port the link uses; serialport's `SerialPort` has it, a test binding can too. */
export interface SerialPortLike extends EventEmitter {
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  write(data: Buffer): boolean;
  drain?(cb: (err: Error | null) => void): void;
  readonly isOpen: boolean;
}

export type SerialOpener = (path: string, baudRate: number) => SerialPortLike;

export const openSystemSerialPort: SerialOpener = (path, baudRate) =>
  new SerialPort({ path, baudRate, autoOpen: false }) as unknown as SerialPortLike;

export type SerialLinkState = 'opening' | 'open' | 'waiting' | 'closed';

export interface SerialLinkOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly reconnectMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly opener: SerialOpener;
  readonly session: Omit<Hl7SessionOptions, 'write' | 'source' | 'log'>;
}

export class SerialLink {
  private port: SerialPortLike | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private linkState: SerialLinkState = 'opening';
  private lastError: string | undefined;
  private opens = 0;

  constructor(private readonly o: SerialLinkOptions) {}

  get state(): SerialLinkState {
    return this.linkState;
  }

  status() {
    return { path: this.o.path, baudRate: this.o.baudRate, state: this.linkState, opens: this.opens, lastError: this.lastError };
  }

  start(): void {
    this.open();
  }

  private open(): void {
    if (this.stopped) return;
    this.linkState = 'opening';
    const { log } = this.o;
    let port: SerialPortLike;
    try {
      port = this.o.opener(this.o.path, this.o.baudRate);
    } catch (err) {
      return this.retry(err);
    }
    this.port = port;
    const session = createHl7Session({
      ...this.o.session,
      source: 'serial',
      log: log.child({ port: this.o.path }),
      write: (bytes) => {
        if (port.isOpen) port.write(bytes);
      },
    });
    port.on('data', (chunk: Buffer) => session.push(chunk));
    port.on('error', (err: Error) => log.warn({ err, port: this.o.path }, 'serial port error'));
    port.once('close', () => {
      for (const deviceId of session.devices) {
        this.o.session.state.setPresence({ deviceId, status: 'offline', atMs: this.o.clock.now(), via: 'disconnect' });
      }
      if (this.stopped) return;
      log.warn({ port: this.o.path }, 'serial port closed; reconnecting');
      this.retry(new Error('port closed'));
    });
    port.open((err) => {
      if (err) {
        port.removeAllListeners();
        port.on('error', () => undefined); // a port that failed to open has nothing more to say
        return this.retry(err);
      }
      if (this.stopped) return port.close();
      this.opens++;
      this.linkState = 'open';
      this.lastError = undefined;
      log.info({ port: this.o.path, baudRate: this.o.baudRate }, 'serial port open');
    });
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const e = EdgeErrors.EDGE_ERR_SERIAL_OPEN.withCause(err, this.o.path, (err as Error).message);
    if (this.lastError !== e.message) this.o.log.warn({ err: e }, 'serial port unavailable; will retry');
    this.lastError = e.message;
    this.linkState = 'waiting';
    this.port = undefined;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, this.o.reconnectMs);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.linkState = 'closed';
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    // Acknowledgements written just before must reach the line before the port closes.
    await new Promise<void>((resolve) => (port.drain ? port.drain(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
