/**
 * Committed changes of every instance of the group (this one included), through PostgreSQL LISTEN on a dedicated
 * connection: every commit NOTIFYs its rows inside its transaction, PostgreSQL delivers notifications only for
 * committed transactions and in commit order, so subscribers see every committed change once, in commit order,
 * whichever instance committed it. While the connection is down changes can be missed: the hub is told (`gap`),
 * clients re-read over REST; the listener reconnects with backoff.
 */
import pg from 'pg';
import type { Clock, TimerHandle } from '@vitals/shared';
import type { Logger } from '../../logging.js';
import type { WindowRow } from '../windows/window-row.js';
import { decodeNotice, NOTIFY_CHANNEL } from './notify-codec.js';

export interface ChangeListenerOptions {
  readonly url: string;
  readonly groupId: string;
  readonly connectTimeoutMs: number;
}

export interface ChangeListenerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly onRows: (rows: readonly WindowRow[]) => void;
  readonly onGap: (reason: string) => void;
}

export interface RemoteChanges {
  /** Resolves once listening (or rejects if the first connection fails). */
  readonly ready: Promise<void>;
  readonly connected: boolean;
  close(): Promise<void>;
}

export function listenForChanges(o: ChangeListenerOptions, deps: ChangeListenerDeps): RemoteChanges {
  const log = deps.log.child({ component: 'analytics-listener' });
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retry: TimerHandle | undefined;
  let attempt = 0;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: o.url,
      connectionTimeoutMillis: o.connectTimeoutMs,
      application_name: 'vitals-analytics-listen',
    });
    client = c;
    c.on('notification', (n) => {
      if (n.channel !== NOTIFY_CHANNEL || !n.payload) return;
      const notice = decodeNotice(n.payload);
      if (!notice || notice.group !== o.groupId) return;
      deps.onRows(notice.rows);
    });
    c.on('error', (err) => {
      log.warn({ err }, 'change listener connection failed');
      lost('the change listener lost its PostgreSQL connection');
    });
    c.on('end', () => lost('the change listener connection ended'));
    await c.connect();
    await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
    connected = true;
    attempt = 0;
  };

  const lost = (reason: string) => {
    if (client === undefined || closed) return;
    const c = client;
    client = undefined;
    const wasConnected = connected;
    connected = false;
    void c.end().catch(() => undefined);
    if (wasConnected) deps.onGap(reason);
    schedule();
  };

  const schedule = () => {
    if (closed || retry !== undefined) return;
    const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt++, 6));
    retry = deps.clock.setTimeout(() => {
      retry = undefined;
      connect().then(
        () => log.info('change listener reconnected'),
        (err: unknown) => {
          log.warn({ err }, 'change listener could not reconnect');
          lost('reconnect failed');
          if (client === undefined) schedule();
        },
      );
    }, delay);
  };

  const ready = connect();
  ready.catch(() => {
    client = undefined;
    schedule();
  });

  return {
    ready,
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      if (retry !== undefined) deps.clock.clearTimeout(retry);
      const c = client;
      client = undefined;
      connected = false;
      await c?.end().catch(() => undefined);
    },
  };
}
