/** HL7 v2 over MLLP on a TCP port (how networked monitors send HL7): one HL7 session per connection. */
import net from 'node:net';
import type { Logger } from 'pino';
import { EdgeErrors } from '../../errors.js';
import { createHl7Session, type Hl7SessionOptions } from '../hl7/hl7-session.js';

export interface MllpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  readonly session: Omit<Hl7SessionOptions, 'write' | 'source' | 'log'>;
}

export interface MllpServer {
  readonly port: number;
  stopAccepting(): Promise<void>;
  close(): Promise<void>;
}

export async function startMllpServer(o: MllpServerOptions): Promise<MllpServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const log = o.log.child({ peer: `${socket.remoteAddress}:${socket.remotePort}` });
    const session = createHl7Session({
      ...o.session,
      source: 'mllp',
      log,
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    });
    socket.on('data', (chunk: Buffer) => session.push(chunk));
    socket.on('error', (err) => log.debug({ err }, 'MLLP connection error'));
    socket.on('close', () => {
      sockets.delete(socket);
      for (const deviceId of session.devices) {
        o.session.state.setPresence({ deviceId, status: 'offline', atMs: o.session.clock.now(), via: 'disconnect' });
      }
    });
  });
  let closedResolve: () => void = () => undefined;
  const serverClosed = { promise: new Promise<void>((r) => (closedResolve = r)), resolve: () => closedResolve() };
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(EdgeErrors.EDGE_ERR_LISTEN.withCause(err, 'MLLP', o.host, o.port, err.message)));
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    stopAccepting: async () => {
      // Refuse new connections; the 'close' event comes only once the open ones are gone (see close()).
      if (server.listening) server.close(serverClosed.resolve);
    },
    async close() {
      // End politely so the last acknowledgements leave; destroy what has not closed after a grace period.
      const closed = [...sockets].map((s) => new Promise<void>((resolve) => (s.end(), s.once('close', () => resolve()))));
      await new Promise<void>((resolve) => {
        const timer = o.session.clock.setTimeout(resolve, 2000);
        void Promise.all(closed).then(() => (o.session.clock.clearTimeout(timer), resolve()));
      });
      for (const s of sockets) s.destroy();
      if (server.listening) server.close(serverClosed.resolve);
      await serverClosed.promise;
    },
  };
}
