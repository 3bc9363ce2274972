/** One TCP exchange of the fuzz kit: write bytes (in pieces), read what comes back until the peer closes or a deadline. */
import net from 'node:net';
export interface TcpExchange {
  /** What came back before the connection closed or `waitMs` passed. */
  readonly received: Buffer;
  /** The server closed the connection (FIN or reset) within `waitMs`. */
  readonly closed: boolean;
  /** A socket error (ECONNRESET, EPIPE, ECONNREFUSED), if any. */
  readonly error?: string;
}

/**
 * Opens a TCP connection, writes `bytes` (in `chunks` pieces, to cross the peer's read boundaries), and waits
 * until the peer closes it or `waitMs` passes, then destroys it. `until` ends the wait early once enough came back.
 */
export function tcpExchange(
  port: number,
  bytes: Buffer,
  o: {
    waitMs?: number;
    chunks?: number;
    until?: (received: Buffer) => boolean;
    /** Written once `when` holds for what came back (e.g. a PUBLISH after the CONNACK, as a real client does). */
    then?: { when: (received: Buffer) => boolean; bytes: Buffer };
  } = {},
): Promise<TcpExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(received), closed, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false), o.waitMs ?? 200);
    let thenWritten = false;
    socket.on('data', (c: Buffer) => {
      received.push(c);
      const all = Buffer.concat(received);
      if (o.then && !thenWritten && o.then.when(all)) {
        thenWritten = true;
        socket.write(o.then.bytes);
      }
      if (o.until?.(all)) finish(false);
    });
    socket.on('error', (err: Error & { code?: string }) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => finish(true));
    socket.once('connect', () => {
      const n = Math.max(1, Math.min(o.chunks ?? 1, bytes.length));
      const size = Math.ceil(bytes.length / n);
      for (let i = 0; i < bytes.length; i += size) socket.write(bytes.subarray(i, i + size));
    });
  });
}
