/**
 * MLLP framing (HL7 v2 over a byte stream): <VT 0x0B> message <FS 0x1C><CR 0x0D>. A pure, incremental
 * deframer: feed it chunks as they arrive (split anywhere), get whole messages out. Bytes outside a frame are
 * garbage: skipped and counted. A frame longer than the limit is dropped and reported, never buffered forever.
 */

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

export type MllpEvent =
  | { kind: 'message'; payload: Buffer }
  | { kind: 'garbage'; bytes: number }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'truncated'; bytes: number };

export function mllpFrame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.from([MLLP_START]), body, Buffer.from([MLLP_END, MLLP_CR])]);
}

export class MllpDeframer {
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  private oversized = false;
  /** Saw FS inside a frame; waiting to see whether CR follows (split across chunks). */
  private pendingEnd = false;
  private garbageRun = 0;

  constructor(private readonly maxMessageBytes = 1024 * 1024) {}

  /** Consumes one chunk and returns what it completed, in order. */
  push(chunk: Buffer): MllpEvent[] {
    const events: MllpEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.inFrame) {
        const start = chunk.indexOf(MLLP_START, i);
        if (start === -1) {
          this.garbageRun += chunk.length - i;
          break;
        }
        this.garbageRun += start - i;
        this.flushGarbage(events);
        this.beginFrame();
        i = start + 1;
        continue;
      }
      if (this.pendingEnd) {
        this.pendingEnd = false;
        if (chunk[i] === MLLP_CR) {
          this.endFrame(events);
          i += 1;
          continue;
        }
        this.append(Buffer.from([MLLP_END]));
      }
      // Inside a frame: find the next FS or a VT that would start a new frame (the old one was cut off).
      let j = i;
      while (j < chunk.length && chunk[j] !== MLLP_END && chunk[j] !== MLLP_START) j++;
      if (j > i) this.append(chunk.subarray(i, j));
      if (j === chunk.length) break;
      if (chunk[j] === MLLP_START) {
        events.push({ kind: 'truncated', bytes: this.size });
        this.beginFrame();
        i = j + 1;
        continue;
      }
      // FS: the frame ends if CR follows.
      if (j + 1 === chunk.length) {
        this.pendingEnd = true;
        break;
      }
      if (chunk[j + 1] === MLLP_CR) {
        this.endFrame(events);
        i = j + 2;
      } else {
        this.append(chunk.subarray(j, j + 1));
        i = j + 1;
      }
    }
    this.flushGarbage(events);
    return events;
  }

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.size;
  }

  private beginFrame(): void {
    this.parts = [];
    this.size = 0;
    this.inFrame = true;
    this.oversized = false;
    this.pendingEnd = false;
  }

  private append(b: Buffer): void {
    this.size += b.length;
    if (this.oversized) return;
    if (this.size > this.maxMessageBytes) {
      this.oversized = true;
      this.parts = [];
      return;
    }
    this.parts.push(b);
  }

  private endFrame(events: MllpEvent[]): void {
    if (this.oversized) events.push({ kind: 'oversized', bytes: this.size });
    else events.push({ kind: 'message', payload: Buffer.concat(this.parts, this.size) });
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
  }

  private flushGarbage(events: MllpEvent[]): void {
    if (this.garbageRun > 0) {
      events.push({ kind: 'garbage', bytes: this.garbageRun });
      this.garbageRun = 0;
    }
  }
}
