/**
 * LISTEN on `vitals_config_inputs` over a dedicated PostgreSQL connection (migration V6's triggers NOTIFY every
 * committed change of an input of the gateways' documents). Each notification is decoded into a change scope and
 * handed on. While the connection is down notifications are lost, so every successful LISTEN (the first one and
 * every reconnect) is reported through `onListening`, and the service reconciles everything then. Reconnects
 * back off up to 10 s.
 */
import pg from 'pg';
import type { Clock, TimerHandle } from '@vitals/shared';
import type { Logger } from '../../logging.js';
import { CONFIG_INPUTS_CHANNEL, decodeChangeNotice, type ChangeScope } from '../domain/input-change.js';

export interface ChangeListenerOptions {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onChange: (scope: ChangeScope) => void;
  /** Listening (again): changes before this moment may have been missed. */
  readonly onListening: () => void;
  readonly onState?: (connected: boolean) => void;
}

export interface ChangeListener {
  connected(): boolean;
  close(): Promise<void>;
}

export function startChangeListener(o: ChangeListenerOptions): ChangeListener {
  const log = o.log.child({ unit: 'change-listener' });
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retry: TimerHandle | undefined;
  let attempt = 0;

  const setConnected = (v: boolean) => {
    connected = v;
    o.onState?.(v);
  };

  const lost = (c: pg.Client, reason: string) => {
    if (client !== c || closed) return;
    client = undefined;
    if (connected) log.warn({ reason }, 'change listener lost PostgreSQL; reconnecting');
    setConnected(false);
    void c.end().catch(() => undefined);
    schedule();
  };

  const schedule = () => {
    if (closed || retry !== undefined) return;
    const delay = Math.min(10_000, 200 * 2 ** Math.min(attempt++, 6));
    retry = o.clock.setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
  };

  const connect = async () => {
    const c = new pg.Client({
      connectionString: o.url,
      connectionTimeoutMillis: o.connectTimeoutMs,
      application_name: 'vitals-config-listen',
      keepAlive: true,
    });
    client = c;
    c.on('notification', (n) => {
      if (n.channel !== CONFIG_INPUTS_CHANNEL || !n.payload) return;
      const scope = decodeChangeNotice(n.payload);
      if (scope) o.onChange(scope);
      else log.debug({ payload: n.payload.slice(0, 200) }, 'notification ignored');
    });
    c.on('error', (err) => lost(c, err.message));
    c.on('end', () => lost(c, 'connection ended'));
    try {
      await c.connect();
      await c.query(`LISTEN ${CONFIG_INPUTS_CHANNEL}`);
    } catch (err) {
      log.warn({ err }, 'change listener cannot connect to PostgreSQL yet');
      lost(c, (err as Error).message);
      return;
    }
    if (closed || client !== c) return;
    attempt = 0;
    setConnected(true);
    log.info('listening for configuration input changes');
    o.onListening();
  };

  void connect();
  return {
    connected: () => connected,
    async close() {
      closed = true;
      if (retry !== undefined) o.clock.clearTimeout(retry);
      const c = client;
      client = undefined;
      setConnected(false);
      await c?.end().catch(() => undefined);
    },
  };
}
