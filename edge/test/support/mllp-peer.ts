/**
 * The monitor's side of an MLLP link for tests, over any byte stream (a TCP socket, a serial port): sends
 * framed HL7 messages and collects the acknowledgements, in order.
 */
import { decodeAck, MllpDeframer, mllpFrame, type DecodedAck } from '@vitals/shared';

export interface ByteStream {
  write(data: Buffer): unknown;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
}

export class MllpPeer {
  readonly acks: DecodedAck[] = [];
  private readonly deframer = new MllpDeframer();
  private waiters: Array<() => void> = [];

  constructor(private readonly stream: ByteStream) {
    stream.on('data', (chunk) => {
      for (const ev of this.deframer.push(chunk)) {
        if (ev.kind === 'message') this.acks.push(decodeAck(ev.payload.toString('utf8')));
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(message: string | Buffer, raw = false): void {
    this.stream.write(raw ? Buffer.from(message) : mllpFrame(message));
  }

  /** Waits until `n` acknowledgements have arrived in total (with a deadline). */
  async waitForAcks(n: number, timeoutMs = 10_000): Promise<DecodedAck[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} HL7 ACKs, got ${this.acks.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    return this.acks.slice(0, n);
  }

  /** Sends one message and returns its acknowledgement. */
  async exchange(message: string | Buffer): Promise<DecodedAck> {
    const n = this.acks.length + 1;
    this.send(message);
    return (await this.waitForAcks(n))[n - 1]!;
  }
}
