/**
 * HL7 over MLLP on a byte stream (a serial port or a TCP socket): writes framed ORU^R01 messages, reads the
 * receiver's ACKs with the shared deframer and decoder, matches each ACK to its message by MSH-10 (an ACK
 * with no control id goes to the oldest send that had none), times out sends that get no ACK, and reconnects
 * when the stream goes away (a cable pull) and comes back.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { decodeAck, MllpDeframer, type Clock, type TimerHandle } from '@vitals/shared';
import { SimErrors } from '../errors.js';
import type { TransportKind } from '../ledger.js';
import type { DeviceLink, LinkHandlers, OutboundMessage, ReconnectTimer, SendOutcome } from './link.js';

/** Opens the byte stream (serial port, TCP socket). */
export interface StreamConnector {
  readonly kind: Exclude<TransportKind, 'mqtt'>;
  readonly target: string;
  connect(): Promise<Duplex>;
  /** Cuts the stream abruptly (TCP: reset). Defaults to `destroy()`. */
  abort?(stream: Duplex): void;
  /** Closes the stream politely (serial: close the port). Defaults to `end()`. */
  end?(stream: Duplex): void;
}

export interface MllpLinkOptions {
  readonly deviceId: string;
  /** How long to wait for an HL7 ACK, ms (default 10 s). */
  readonly ackTimeoutMs?: number;
}

export interface MllpLinkDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly reconnect: ReconnectTimer;
  readonly handlers: LinkHandlers;
  readonly connector: StreamConnector;
}

interface Waiting {
  readonly controlId: string | undefined;
  readonly timer: TimerHandle;
  settle(outcome: SendOutcome): void;
}

/** Original-mode and enhanced-mode acknowledgement codes that mean "accepted". */
const POSITIVE = new Set(['AA', 'CA']);

export function createMllpLink(opts: MllpLinkOptions, deps: MllpLinkDeps): DeviceLink & { readonly unmatchedAcks: number } {
  const { clock, log, reconnect, handlers, connector } = deps;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  let stream: Duplex | undefined;
  let connecting = false;
  let closing = false;
  let dropReason: string | undefined;
  let waiting: Waiting[] = [];
  let unmatched = 0;

  const settleAll = (reason: string): void => {
    const all = waiting;
    waiting = [];
    for (const w of all) {
      clock.clearTimeout(w.timer);
      w.settle({ status: 'lost', reason });
    }
  };

  const onAck = (payload: Buffer): void => {
    let ack;
    try {
      ack = decodeAck(payload.toString('utf8'));
    } catch (err) {
      unmatched += 1;
      log.warn({ err }, 'unreadable HL7 answer ignored');
      return;
    }
    let i = ack.controlId === '' ? -1 : waiting.findIndex((w) => w.controlId === ack.controlId);
    if (i === -1) i = waiting.findIndex((w) => w.controlId === undefined);
    const w = i === -1 ? undefined : waiting[i];
    if (!w) {
      unmatched += 1;
      log.warn({ controlId: ack.controlId, code: ack.code }, 'HL7 ACK matches no message in flight');
      return;
    }
    waiting.splice(i, 1);
    clock.clearTimeout(w.timer);
    const text = [ack.text, ack.errorText].filter((t) => t).join(' / ');
    w.settle({ status: POSITIVE.has(ack.code) ? 'acked' : 'rejected', code: ack.code, ...(text ? { text } : {}) });
  };

  const lost = (s: Duplex, reason: string): void => {
    if (s !== stream) return;
    stream = undefined;
    settleAll(reason);
    handlers.onDown(reason);
    if (!closing) reconnect.schedule(connectOnce);
  };

  function connectOnce(): void {
    if (closing || connecting || stream) return;
    connecting = true;
    connector.connect().then(
      (s) => {
        connecting = false;
        if (closing) {
          s.destroy();
          return;
        }
        stream = s;
        dropReason = undefined;
        const deframer = new MllpDeframer();
        s.on('data', (chunk: Buffer) => {
          for (const ev of deframer.push(chunk)) {
            if (ev.kind === 'message') onAck(ev.payload);
            else log.warn({ event: ev.kind, bytes: ev.bytes }, 'unexpected bytes from the receiver');
          }
        });
        s.on('error', (err) => log.warn({ err }, `${connector.kind} stream error`));
        s.on('close', () => lost(s, dropReason ?? 'disconnect'));
        reconnect.backoff.reset();
        log.info({ target: connector.target }, `${connector.kind} connected`);
        handlers.onUp();
      },
      (err: Error) => {
        connecting = false;
        const e = SimErrors.SIM_ERR_CONNECT_FAILED.withCause(err, opts.deviceId, connector.target, err.message);
        log.debug({ err: e }, 'connect failed; retrying');
        if (!closing) reconnect.schedule(connectOnce);
      },
    );
  }

  return {
    kind: connector.kind,
    target: connector.target,
    get connected() {
      return stream !== undefined;
    },
    get unmatchedAcks() {
      return unmatched;
    },
    open() {
      closing = false;
      connectOnce();
    },
    send(msg: OutboundMessage): Promise<SendOutcome> {
      const s = stream;
      if (!s) return Promise.resolve({ status: 'failed', reason: 'not connected' });
      return new Promise((resolve) => {
        let done = false;
        const settle = (o: SendOutcome) => {
          if (done) return;
          done = true;
          resolve(o);
        };
        if (msg.expectAck) {
          const w: Waiting = {
            controlId: msg.controlId,
            timer: clock.setTimeout(() => {
              waiting = waiting.filter((x) => x !== w);
              settle({ status: 'timeout', reason: `no ACK within ${ackTimeoutMs} ms` });
            }, ackTimeoutMs),
            settle,
          };
          waiting.push(w);
        }
        s.write(msg.bytes, (err) => {
          if (err) {
            // The stream is going away; its close settles what waits for an ACK.
            if (!msg.expectAck) settle({ status: 'lost', reason: `write: ${err.message}` });
            return;
          }
          if (!msg.expectAck) settle({ status: 'not-expected' });
        });
      });
    },
    drop(reason, downMs) {
      reconnect.hold(downMs);
      const s = stream;
      if (!s) return;
      dropReason = reason;
      if (connector.abort) connector.abort(s);
      else s.destroy();
    },
    async close() {
      closing = true;
      reconnect.cancel();
      const s = stream;
      stream = undefined;
      settleAll('stopped');
      if (!s || s.destroyed) return;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        if (connector.end) connector.end(s);
        else s.end();
        const t = clock.setTimeout(() => s.destroy(), 1000);
        s.once('close', () => clock.clearTimeout(t));
      });
    },
  };
}
