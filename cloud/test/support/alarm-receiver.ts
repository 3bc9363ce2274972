/**
 * A nurse-call / alarm-distribution receiver for tests: an MLLP server (the shared codec) that decodes each
 * ORU^R40, answers it as its policy says (AA by default, AE, or nothing), and drops repeats by MSH-10 the way a
 * receiver is told to in docs/alarms.md. `arrivals` has every message as it came, `accepted` the first AA'd copy of
 * each control id.
 */
import net from 'node:net';
import { decodeAlertReport, encodeAck, MllpDeframer, mllpFrame, type DecodedAlertReport } from '@vitals/shared';

export type ReceiverAnswer = 'AA' | 'AE' | 'AR' | 'none';

export interface Arrival {
  readonly report: DecodedAlertReport;
  readonly answer: ReceiverAnswer;
  readonly atMs: number;
  readonly raw: string;
}

export interface AlarmReceiver {
  readonly port: number;
  readonly arrivals: Arrival[];
  /** First acknowledged copy of each control id, in order. */
  readonly accepted: DecodedAlertReport[];
  /** Called for each arrival (after it is recorded). */
  onArrival?: (a: Arrival) => void;
  close(): Promise<void>;
}

export async function startAlarmReceiver(
  policy: (report: DecodedAlertReport, copy: number) => ReceiverAnswer = () => 'AA',
): Promise<AlarmReceiver> {
  const sockets = new Set<net.Socket>();
  const copies = new Map<string, number>();
  const acked = new Set<string>();
  const receiver: AlarmReceiver = {
    port: 0,
    arrivals: [],
    accepted: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  let acks = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const deframer = new MllpDeframer();
    socket.on('data', (chunk: Buffer) => {
      for (const ev of deframer.push(chunk)) {
        if (ev.kind !== 'message') continue;
        const raw = ev.payload.toString('utf8');
        const report = decodeAlertReport(raw);
        const copy = (copies.get(report.controlId) ?? 0) + 1;
        copies.set(report.controlId, copy);
        const answer = policy(report, copy);
        const arrival: Arrival = { report, answer, atMs: Date.now(), raw };
        receiver.arrivals.push(arrival);
        if (answer === 'AA' && !acked.has(report.controlId)) {
          acked.add(report.controlId);
          receiver.accepted.push(report);
        }
        if (answer !== 'none') {
          const ack = encodeAck({
            code: answer,
            controlId: report.controlId,
            nowMs: Date.now(),
            ackId: `RCV${++acks}`,
            ...(answer === 'AA' ? {} : { text: 'try again later' }),
          });
          socket.write(mllpFrame(ack));
        }
        receiver.onArrival?.(arrival);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(receiver, { port: (server.address() as net.AddressInfo).port });
}
