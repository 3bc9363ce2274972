/** The stream from the gateway (Server-Sent Events): every event becomes an action; the browser reconnects by itself. */
import type { WardEvents } from '../../src/http/ward-view/schemas.js';
import type { WardAction } from './ward-state.js';

export const EVENTS_URL = '/api/ward/events';

export function connectWard(dispatch: (a: WardAction) => void, now: () => number = Date.now): () => void {
  const source = new EventSource(EVENTS_URL);
  const on = <K extends keyof WardEvents>(name: K, act: (data: WardEvents[K]) => WardAction) => {
    source.addEventListener(name, (e) => dispatch(act(JSON.parse((e as MessageEvent<string>).data) as WardEvents[K])));
  };
  on('snapshot', (snapshot) => ({ type: 'snapshot', snapshot, at: now() }));
  on('readings', (event) => ({ type: 'readings', event }));
  on('presence', (event) => ({ type: 'presence', event }));
  on('status', (event) => ({ type: 'status', event, at: now() }));
  on('alarms', (event) => ({ type: 'alarms', items: event.items }));
  on('beds', (event) => ({ type: 'beds', event }));
  source.onerror = () => dispatch({ type: 'disconnected', at: now() });
  return () => source.close();
}

/** Local acknowledgement of an alarm at this station (the gateway logs who and when). */
export async function acknowledgeAlarm(id: string): Promise<void> {
  const res = await fetch(`/api/alarms/${encodeURIComponent(id)}/ack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ by: 'nurses-station' }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `the gateway answered ${res.status}`);
  }
}
