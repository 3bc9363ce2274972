/**
 * An HL7 v2 client over MLLP/TCP for one receiver: one connection, opened when needed, one message in flight at
 * a time (callers queue), each answered by an ACK matched on MSH-10. The framing and the ACK decoding are the
 * shared pure codecs (`mllpFrame`, `MllpDeframer`, `decodeAck`); this file only owns the socket and the timers.
 * A timeout or a lost connection destroys the socket, so a late ACK can never be taken for the next message's.
 */
import net from 'node:net';
import { decodeAck, MllpDeframer, mllpFrame, type Clock, type DecodedAck, type TimerHandle } from '@vitals/shared';
import type { Logger } from '../../logging.js';
import { DispatcherErrors } from '../errors.js';

export interface MllpEndpoint {
  /** Receiver name, for logs and errors. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface MllpClientOptions {
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
}

export interface MllpClient {
  readonly endpoint: MllpEndpoint;
  /** Sends one message and resolves with its ACK (any code); rejects with a DISPATCHER_ERR_* on no ACK. */
  exchange(message: string, controlId: string): Promise<DecodedAck>;
  close(): Promise<void>;
}

interface Pending {
  readonly controlId: string;
  readonly timer: TimerHandle;
  resolve(ack: DecodedAck): void;
  reject(err: Error): void;
}

export function createMllpClient(endpoint: MllpEndpoint, o: MllpClientOptions, deps: { clock: Clock; log: Logger }): MllpClient {
  const { clock } = deps;
  const log = deps.log.child({ receiver: endpoint.name });
  const target = `${endpoint.host}:${endpoint.port}`;
  let socket: net.Socket | undefined;
  let pending: Pending | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const settle = (fn: (p: Pending) => void) => {
    const p = pending;
    if (!p) return;
    pending = undefined;
    clock.clearTimeout(p.timer);
    fn(p);
  };

  const drop = (s: net.Socket) => {
    if (socket === s) socket = undefined;
    s.destroy();
  };

  function connect(): Promise<net.Socket> {
    if (socket && !socket.destroyed) return Promise.resolve(socket);
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: endpoint.host, port: endpoint.port });
      s.setNoDelay(true);
      const timer = clock.setTimeout(() => {
        s.destroy();
        reject(DispatcherErrors.DISPATCHER_ERR_CONNECT(endpoint.name, target, `no connection within ${o.connectTimeoutMs} ms`));
      }, o.connectTimeoutMs);
      s.once('error', (err) => {
        clock.clearTimeout(timer);
        reject(DispatcherErrors.DISPATCHER_ERR_CONNECT.withCause(err, endpoint.name, target, err.message));
      });
      s.once('connect', () => {
        clock.clearTimeout(timer);
        s.removeAllListeners('error');
        const deframer = new MllpDeframer();
        s.on('data', (chunk: Buffer) => {
          for (const ev of deframer.push(chunk)) {
            if (ev.kind !== 'message') {
              log.warn({ event: ev.kind, bytes: ev.bytes }, 'unexpected bytes from the receiver');
              continue;
            }
            let ack: DecodedAck;
            try {
              ack = decodeAck(ev.payload.toString('utf8'));
            } catch (err) {
              log.warn({ err }, 'unreadable answer from the receiver ignored');
              continue;
            }
            if (!pending || (ack.controlId !== '' && ack.controlId !== pending.controlId)) {
              log.warn({ controlId: ack.controlId, code: ack.code }, 'ACK matches no message in flight; ignored');
              continue;
            }
            settle((p) => p.resolve(ack));
          }
        });
        s.on('error', (err) => log.debug({ err }, 'receiver connection error'));
        s.on('close', () => {
          if (socket === s) socket = undefined;
          settle((p) => p.reject(DispatcherErrors.DISPATCHER_ERR_DISCONNECTED(endpoint.name, target, p.controlId)));
        });
        socket = s;
        log.debug({ target }, 'receiver connected');
        resolve(s);
      });
    });
  }

  async function exchangeNow(message: string, controlId: string): Promise<DecodedAck> {
    if (closed) throw DispatcherErrors.DISPATCHER_ERR_STOPPED(controlId);
    const s = await connect();
    return new Promise<DecodedAck>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        settle((p) => p.reject(DispatcherErrors.DISPATCHER_ERR_ACK_TIMEOUT(endpoint.name, target, controlId, o.ackTimeoutMs)));
        drop(s);
      }, o.ackTimeoutMs);
      pending = { controlId, timer, resolve, reject };
      s.write(mllpFrame(message));
    });
  }

  return {
    endpoint,
    exchange(message, controlId) {
      const run = queue.then(() => exchangeNow(message, controlId));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      const s = socket;
      socket = undefined;
      settle((p) => p.reject(DispatcherErrors.DISPATCHER_ERR_STOPPED(p.controlId)));
      if (!s || s.destroyed) return;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end();
        const t = clock.setTimeout(() => s.destroy(), 1_000);
        s.once('close', () => clock.clearTimeout(t));
      });
    },
  };
}
