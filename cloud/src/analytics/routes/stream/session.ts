/**
 * One WebSocket connection: who it is (once authenticated), its subscriptions, and the only way out to the
 * client (`send`), which drops a client whose unsent bytes exceed the bound instead of buffering without end.
 */
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle, VitalsError } from '@vitals/shared';
import type { Authenticator } from '../../../auth/authenticator.js';
import type { Principal } from '../../../auth/roles.js';
import type { Logger } from '../../../logging.js';
import { AnalyticsErrors } from '../../errors.js';
import type { AnalyticsMetrics } from '../../metrics.js';
import type { ChangeHub, HubSubscription } from '../../push/change-hub.js';
import type { WindowQuery } from '../../queries/compile.js';
import type { WindowReader } from '../../read/window-reader.js';
import { CLOSE, type ServerMessage } from './protocol.js';

export interface StreamDeps {
  readonly authenticator: Authenticator;
  readonly reader: WindowReader;
  readonly hub: ChangeHub;
  readonly queries: ReadonlyMap<string, WindowQuery>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: AnalyticsMetrics;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  readonly authTimeoutMs: number;
}

export class StreamSession {
  principal: Principal | null = null;
  readonly subscriptions = new Map<string, HubSubscription>();
  closed = false;
  alive = true;
  private authTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly deps: StreamDeps,
    readonly log: Logger,
  ) {}

  /** Closes the connection unless it authenticates within the deadline. */
  awaitAuth(): void {
    this.authTimer = this.deps.clock.setTimeout(() => {
      if (this.principal !== null || this.closed) return;
      const e = AnalyticsErrors.ANALYTICS_ERR_WS_AUTH_TIMEOUT(this.deps.authTimeoutMs);
      this.error(e);
      this.close(CLOSE.unauthenticated, e.code, 'auth-timeout');
    }, this.deps.authTimeoutMs);
  }

  authenticated(p: Principal): void {
    this.principal = p;
    if (this.authTimer !== undefined) this.deps.clock.clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  send(message: ServerMessage): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.deps.maxBufferedBytes) {
      const e = AnalyticsErrors.ANALYTICS_ERR_WS_SLOW_CONSUMER(this.deps.maxBufferedBytes);
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'dropping a slow WebSocket client');
      this.close(CLOSE.slowConsumer, `${e.code}: ${e.message}`.slice(0, 120), 'slow-consumer');
      return;
    }
    this.socket.send(JSON.stringify(message));
    if (message.type === 'row') this.deps.metrics.wsMessages.inc();
  }

  error(e: VitalsError, subscription?: string): void {
    this.send({ type: 'error', code: e.code, message: e.message, ...(subscription === undefined ? {} : { subscription }) });
  }

  /** Ends the connection (the subscriptions go at once; a client that does not answer the close is cut after 2 s). */
  close(code: number, reason: string, metricReason?: string): void {
    if (this.closed) return;
    this.cleanup();
    if (metricReason) this.deps.metrics.wsDropped.inc({ reason: metricReason });
    this.socket.close(code, reason);
    this.killTimer = this.deps.clock.setTimeout(() => this.socket.terminate(), 2_000);
  }

  /** Forgets the subscriptions and timers (on close from either side). */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer !== undefined) this.deps.clock.clearTimeout(this.authTimer);
    for (const s of this.subscriptions.values()) this.deps.hub.remove(s);
    this.deps.metrics.wsSubscriptions.dec(this.subscriptions.size);
    this.subscriptions.clear();
  }

  /** After the socket closed. */
  ended(): void {
    this.cleanup();
    if (this.killTimer !== undefined) this.deps.clock.clearTimeout(this.killTimer);
  }
}
