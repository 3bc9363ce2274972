/**
 * The analytics WebSocket through the web service (`/api/analytics/v1/stream`): authenticates with the session's
 * credential (first message, browsers cannot set headers), (re)subscribes, and turns each `row` into an object by
 * its header's columns. Reconnects with backoff; subscriptions survive reconnects. Changes committed while the
 * socket was down, or while the server's change feed was (its `gap` message), are not replayed: `onResync`
 * tells the pages to re-read over REST.
 */

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'refused';
export type Cell = string | number | boolean | null;
export type RowObject = Readonly<Record<string, Cell>>;

export interface SubscribeSpec {
  readonly query: string;
  readonly patientId?: string;
  readonly departmentId?: string;
}

interface Sub {
  readonly spec: SubscribeSpec;
  readonly onRow: (row: RowObject) => void;
  columns: string[] | null;
}

/** Pure: a row's cells under its header's column names. */
export function rowObject(columns: readonly string[], cells: readonly Cell[]): RowObject {
  const out: Record<string, Cell> = {};
  columns.forEach((c, i) => (out[c] = cells[i] ?? null));
  return out;
}

export class AnalyticsStream {
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, Sub>();
  private next = 1;
  private attempt = 0;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private state: StreamState = 'connecting';
  private readonly listeners = new Set<(s: StreamState, detail?: string) => void>();
  private readonly resyncListeners = new Set<(reason: string) => void>();
  private wasLive = false;

  constructor(
    private readonly token: string,
    private readonly url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/analytics/v1/stream`,
  ) {
    this.open();
  }

  onState(fn: (s: StreamState, detail?: string) => void): () => void {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  /** Called when live updates may have been missed (after a reconnect, or a gap on the server's side). */
  onResync(fn: (reason: string) => void): () => void {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  private resync(reason: string): void {
    for (const fn of this.resyncListeners) fn(reason);
  }

  private set(s: StreamState, detail?: string): void {
    this.state = s;
    for (const fn of this.listeners) fn(s, detail);
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.token }));
    ws.onmessage = (e) => this.message(JSON.parse(String(e.data)) as Record<string, unknown>);
    ws.onclose = (e) => {
      this.ws = null;
      if (this.closed) return;
      if (e.code === 4401 || e.code === 4403) {
        this.set('refused', e.reason);
        return;
      }
      this.set('reconnecting');
      const delay = Math.min(10_000, 500 * 2 ** this.attempt++);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private message(m: Record<string, unknown>): void {
    switch (m.type) {
      case 'ready':
        this.attempt = 0;
        this.set('live');
        for (const [id, s] of this.subs) this.sendSubscribe(id, s);
        if (this.wasLive) this.resync('reconnected');
        this.wasLive = true;
        return;
      case 'gap':
        this.resync(String(m.reason));
        return;
      case 'header': {
        const s = this.subs.get(String(m.subscription));
        if (s) s.columns = m.columns as string[];
        return;
      }
      case 'row': {
        const s = this.subs.get(String(m.subscription));
        if (s?.columns) s.onRow(rowObject(s.columns, m.row as Cell[]));
        return;
      }
      case 'error':
        console.warn('analytics stream:', m.code, m.message);
        return;
      default:
        return;
    }
  }

  private sendSubscribe(id: string, s: Sub): void {
    s.columns = null;
    this.ws?.send(JSON.stringify({ type: 'subscribe', id, ...s.spec }));
  }

  subscribe(spec: SubscribeSpec, onRow: (row: RowObject) => void): () => void {
    const id = `s${this.next++}`;
    const sub: Sub = { spec, onRow, columns: null };
    this.subs.set(id, sub);
    if (this.state === 'live') this.sendSubscribe(id, sub);
    return () => {
      this.subs.delete(id);
      if (this.state === 'live' && this.ws?.readyState === WebSocket.OPEN)
        this.ws.send(JSON.stringify({ type: 'unsubscribe', id }));
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
  }
}
