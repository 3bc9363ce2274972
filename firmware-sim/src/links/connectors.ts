/** Byte-stream connectors for HL7 links: a serial port (serialport, e.g. one end of a socat pty pair) and TCP. */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import type { StreamConnector } from './mllp-link.js';

export function serialConnector(path: string, baudRate: number): StreamConnector {
  return {
    kind: 'serial',
    target: `${path}@${baudRate}`,
    connect: () =>
      new Promise<Duplex>((resolve, reject) => {
        const port = new SerialPort({ path, baudRate, autoOpen: false });
        port.open((err) => (err ? reject(err) : resolve(port)));
      }),
    abort: (s) => {
      const port = s as SerialPort;
      if (port.isOpen) port.close(() => undefined);
      else port.destroy();
    },
    end: (s) => {
      const port = s as SerialPort;
      if (port.isOpen) port.close(() => undefined);
      else port.destroy();
    },
  };
}

export function tcpConnector(host: string, port: number): StreamConnector {
  return {
    kind: 'mllp-tcp',
    target: `${host}:${port}`,
    connect: () =>
      new Promise<Duplex>((resolve, reject) => {
        const socket = net.connect({ host, port });
        const onError = (err: Error) => reject(err);
        socket.once('error', onError);
        socket.once('connect', () => {
          socket.off('error', onError);
          socket.setNoDelay(true);
          resolve(socket);
        });
      }),
    // A reset, as a pulled network cable looks to the receiver once it notices.
    abort: (s) => (s as net.Socket).resetAndDestroy(),
  };
}
