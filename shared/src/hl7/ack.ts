/** HL7 acknowledgements: MSA AA after the commit, AE (error) or AR (rejected) with a reason. Pure. */
import { component, escapeHl7, field, formatHl7Time, parseHl7, type Hl7Message } from './message.js';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface AckInput {
  readonly code: AckCode;
  /** MSH-10 of the message acknowledged ('' if it could not be read). */
  readonly controlId: string;
  readonly receivingApplication?: string;
  readonly receivingFacility?: string;
  /** Reason for AE/AR: a short code (e.g. IMPLAUSIBLE_VALUE) and human text. */
  readonly errorCode?: string;
  readonly text?: string;
  readonly nowMs: number;
  readonly ackId: string;
}

export function encodeAck(a: AckInput): string {
  const t = formatHl7Time(a.nowMs);
  const segs = [
    `MSH|^~\\&|VITALS-GW|HOSP|${escapeHl7(a.receivingApplication ?? '')}|${escapeHl7(a.receivingFacility ?? '')}|${t}||ACK^R01^ACK|${escapeHl7(a.ackId)}|P|2.6`,
    `MSA|${a.code}|${escapeHl7(a.controlId)}${a.text ? `|${escapeHl7(a.text)}` : ''}`,
  ];
  if (a.code !== 'AA') {
    // ERR-3 error code (HL7 table 0357: 207 application internal error, 102 data type error), ERR-4 severity, ERR-8 user message.
    const hl7Code = a.code === 'AR' ? '207^Application internal error^HL70357' : '102^Data type error^HL70357';
    segs.push(`ERR|||${hl7Code}|E||||${escapeHl7(`${a.errorCode ? `${a.errorCode}: ` : ''}${a.text ?? ''}`)}`);
  }
  return segs.join('\r') + '\r';
}

export interface DecodedAck {
  readonly code: AckCode | string;
  readonly controlId: string;
  readonly text: string;
  readonly errorText: string;
}

export function decodeAck(text: string): DecodedAck {
  const msg: Hl7Message = parseHl7(text);
  const msa = msg.segments.find((s) => s.id === 'MSA');
  const err = msg.segments.find((s) => s.id === 'ERR');
  return {
    code: field(msa, 1),
    controlId: field(msa, 2),
    text: component(field(msa, 3), 1, msg.encoding),
    errorText: component(field(err, 8), 1, msg.encoding),
  };
}
