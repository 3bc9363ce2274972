import { useEffect, useReducer, useState } from 'preact/hooks';
import { priorityLabel, summariseAlarms } from './alarm-text.js';
import { BedTile } from './bed-tile.js';
import { formatAge, formatClock, formatCount } from './format.js';
import { connectWard } from './live.js';
import {
  gatewayNow,
  initialWardState,
  loudestUnacknowledged,
  offlineDevices,
  tilesOf,
  wardReducer,
  type WardState,
} from './ward-state.js';

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function Banners(props: { state: WardState; now: number }) {
  const { state, now } = props;
  const status = state.status;
  const offline = offlineDevices(state);
  return (
    <div class="banners">
      {state.connection === 'lost' ? (
        <div class="banner banner-critical" role="alert">
          <strong>Connection to the gateway lost.</strong> Values on this screen are not updating
          {state.lostAt ? ` (since ${formatClock(state.lostAt)})` : ''}. Reconnecting…
        </div>
      ) : null}
      {status?.uplink.down ? (
        <div class="banner banner-uplink" role="status" data-testid="uplink-banner">
          <strong>Cloud uplink down.</strong> Monitoring and alarms on this ward continue; readings are kept on this gateway and
          sent when the link returns ({formatCount(status.buffer.unsent)} waiting
          {status.buffer.unsent > 0 ? `, oldest ${formatAge(status.buffer.oldestUnsentAgeSeconds * 1000)}` : ''}).
          {status.uplink.lastSuccessAt ? ` Last successful send ${formatClock(Date.parse(status.uplink.lastSuccessAt))}.` : ''}
        </div>
      ) : null}
      {offline.length > 0 ? (
        <div class="banner banner-offline" role="status" data-testid="offline-banner">
          <strong>{offline.length === 1 ? 'A monitor is offline' : `${offline.length} monitors are offline`}:</strong>{' '}
          {offline
            .map(
              (d) =>
                `${d.bedLabel ? `bed ${d.bedLabel} (${d.deviceId})` : d.deviceId}${d.since ? ` since ${formatClock(d.since)}` : ''}`,
            )
            .join('; ')}{' '}
          <span class="hint">({formatAge(now - Math.min(...offline.map((d) => d.since ?? now)))} ago)</span>
        </div>
      ) : null}
    </div>
  );
}

function StatusBar(props: { state: WardState; now: number }) {
  const { state } = props;
  const s = state.status;
  const loud = loudestUnacknowledged(state);
  return (
    <header class="top">
      <h1>
        Nurses' station <span class="gw">{state.gatewayId}</span>
      </h1>
      <dl class="facts">
        <div>
          <dt>Alarms</dt>
          <dd class={loud ? `sum sum-${loud.priority}` : 'sum'} data-testid="alarm-summary">
            {summariseAlarms(state.alarms)}
            {loud ? <span class="sr-only">, loudest: {priorityLabel(loud.priority)}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Uplink</dt>
          <dd data-testid="uplink-state">
            {!s ? '…' : !s.uplink.enabled ? 'not configured' : s.uplink.down ? 'DOWN' : 'connected'}
          </dd>
        </div>
        <div>
          <dt>Backlog</dt>
          <dd data-testid="backlog">
            {s ? `${formatCount(s.buffer.unsent)} unsent` : '…'}
            {s && s.buffer.unsent > 0 ? ` (oldest ${formatAge(s.buffer.oldestUnsentAgeSeconds * 1000)})` : ''}
          </dd>
        </div>
        <div>
          <dt>Live</dt>
          <dd data-testid="connection">
            {state.connection === 'live' ? 'yes' : state.connection === 'lost' ? 'NO' : 'connecting'}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{formatClock(props.now)}</dd>
        </div>
      </dl>
    </header>
  );
}

export function App() {
  const [state, dispatch] = useReducer(wardReducer, initialWardState);
  const clientNow = useNow();
  useEffect(() => connectWard(dispatch), []);
  const now = gatewayNow(state, clientNow);
  useEffect(() => {
    const loud = loudestUnacknowledged(state);
    document.title = `${loud ? `${loud.priority.toUpperCase()} ALARM · ` : ''}Nurses' station${state.gatewayId ? ` · ${state.gatewayId}` : ''}`;
  }, [state.alarms, state.gatewayId]);
  const tiles = tilesOf(state);
  return (
    <>
      <a class="skip" href="#grid">
        Skip to the beds
      </a>
      <StatusBar state={state} now={now} />
      <Banners state={state} now={now} />
      <main id="grid" class="grid" aria-label="Beds of the ward" aria-busy={state.connection === 'connecting'}>
        {state.connection === 'connecting' ? <p class="boot">Connecting to the gateway…</p> : null}
        {state.connection !== 'connecting' && tiles.length === 0 ? <p class="boot">No monitors have sent anything yet.</p> : null}
        {tiles.map((t) => (
          <BedTile
            key={t.key}
            tile={t}
            metrics={state.metrics}
            now={now}
            trend={{ windowMs: state.trendWindowMs, bucketMs: state.trendBucketMs }}
          />
        ))}
      </main>
    </>
  );
}
