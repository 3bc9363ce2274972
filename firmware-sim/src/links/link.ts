/**
 * A device's connection to the receiver, whatever the transport: it connects (and reconnects after a loss,
 * with backoff), sends one message at a time as told, and reports each message's outcome (PUBACK, HL7 ACK,
 * timeout, lost at a disconnect). The device decides what to send; the link only knows bytes and answers.
 */
import type { Clock, TimerHandle } from '@vitals/shared';
import type { AckOutcome, TransportKind } from '../ledger.js';
import type { Rng } from '../prng.js';

export interface OutboundMessage {
  readonly bytes: Buffer;
  /** HL7: MSH-10 an ACK will echo; absent for a message without one (an anonymous ACK is matched to it). */
  readonly controlId?: string;
  /** False for bytes nothing can answer (garbage between HL7 frames). */
  readonly expectAck: boolean;
}

export type SendOutcome = Omit<AckOutcome, 'at' | 'latencyMs'>;

/** Settings a device received from the gateway (MQTT `vitals/devices/<id>/settings`, retained). */
export interface ReceivedSettings {
  readonly samplingIntervalMs?: number;
}

export interface LinkHandlers {
  onUp(): void;
  onDown(reason: string): void;
  onSettings?(settings: ReceivedSettings): void;
}

export interface DeviceLink {
  readonly kind: TransportKind;
  /** Where it connects to, for logs and status. */
  readonly target: string;
  readonly connected: boolean;
  /** Starts connecting; keeps reconnecting after every loss until closed. */
  open(): void;
  /** Sends one message while connected and resolves with its outcome (never rejects). */
  send(msg: OutboundMessage): Promise<SendOutcome>;
  /** Cuts the connection abruptly (no goodbye, so an MQTT last will fires) and stays down for `downMs`. */
  drop(reason: string, downMs: number): void;
  /** Closes for good: pending sends settle as lost (reason `stopped`); MQTT says "offline" and disconnects. */
  close(): Promise<void>;
}

export interface ReconnectPolicy {
  /** First retry delay, ms (default 100). */
  readonly minMs: number;
  /** Longest retry delay, ms (default 2000). */
  readonly maxMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { minMs: 100, maxMs: 2000 };

/** Exponential backoff with full jitter, reset after a successful connection. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly rng: Rng,
  ) {}
  next(): number {
    const cap = Math.min(this.policy.maxMs, this.policy.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(this.policy.minMs / 2 + this.rng.next() * (cap - this.policy.minMs / 2));
  }
  reset(): void {
    this.attempt = 0;
  }
}

/** Reconnect timing shared by the links: a hold (after a drop fault) and a backoff. */
export class ReconnectTimer {
  private timer: TimerHandle | undefined;
  private holdUntil = 0;
  constructor(
    private readonly clock: Clock,
    readonly backoff: Backoff,
  ) {}
  hold(ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, this.clock.now() + ms);
  }
  schedule(fn: () => void): void {
    this.cancel();
    const delay = Math.max(this.backoff.next(), this.holdUntil - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, delay);
  }
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
