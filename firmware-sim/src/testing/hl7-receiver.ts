/**
 * A minimal HL7 receiver for tests, standing in for the gateway's serial/MLLP listener: deframes MLLP,
 * decodes each ORU^R01 with the shared codec, and answers with an ACK chosen by a policy (AA by default).
 */
import type { Duplex } from 'node:stream';
import { decodeOru, encodeAck, MllpDeframer, mllpFrame, type AckCode, type OruMessage } from '@vitals/shared';

/** What to answer a message: an ACK code (with text), or nothing at all. */
export type AckDecision = { code: AckCode; text?: string } | 'none';

export interface Hl7Receiver {
  /** Messages decoded, in arrival order. */
  readonly messages: OruMessage[];
  /** Framed payloads that were not HL7 (answered AR with no control id unless the policy says none). */
  readonly broken: string[];
  /** Bytes seen outside frames. */
  readonly garbageBytes: number;
  detach(): void;
}

export function attachHl7Receiver(
  stream: Duplex,
  policy: (m: OruMessage) => AckDecision = () => ({ code: 'AA' }),
  opts: { answerBroken?: boolean } = {},
): Hl7Receiver {
  const deframer = new MllpDeframer();
  const messages: OruMessage[] = [];
  const broken: string[] = [];
  let garbage = 0;
  let acks = 0;
  const answer = (code: AckCode, controlId: string, text?: string) => {
    const ack = encodeAck({ code, controlId, nowMs: Date.now(), ackId: `ACK${++acks}`, ...(text ? { text } : {}) });
    if (!stream.destroyed) stream.write(mllpFrame(ack));
  };
  const onData = (chunk: Buffer) => {
    for (const ev of deframer.push(chunk)) {
      if (ev.kind === 'garbage') garbage += ev.bytes;
      if (ev.kind !== 'message') continue;
      const text = ev.payload.toString('utf8');
      let m: OruMessage;
      try {
        m = decodeOru(text);
      } catch {
        broken.push(text);
        if (opts.answerBroken !== false) answer('AR', '', 'not an ORU^R01');
        continue;
      }
      messages.push(m);
      const d = policy(m);
      if (d !== 'none') answer(d.code, m.controlId, d.text);
    }
  };
  stream.on('data', onData);
  return {
    messages,
    broken,
    get garbageBytes() {
      return garbage;
    },
    detach: () => void stream.off('data', onData),
  };
}
