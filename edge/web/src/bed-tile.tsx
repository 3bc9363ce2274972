import { useState } from 'preact/hooks';
import type { AlarmView, MetricInfo } from '../../src/http/ward-view/schemas.js';
import { alarmMessage, loudest, priorityLabel, priorityMarker } from './alarm-text.js';
import { formatAge, formatClock, formatValue, STALE_AFTER_MS } from './format.js';
import { acknowledgeAlarm } from './live.js';
import { Sparkline } from './sparkline-view.js';
import type { Tile, VitalRow } from './ward-state.js';

function AlarmLine(props: { alarm: AlarmView; metrics: readonly MetricInfo[]; where: string }) {
  const { alarm } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const text = alarmMessage(alarm, props.metrics);
  const ack = () => {
    setBusy(true);
    setError(null);
    acknowledgeAlarm(alarm.id)
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  };
  return (
    <li class={`alarm alarm-${alarm.priority}${alarm.acknowledged ? ' acked' : ''}`} data-alarm-id={alarm.id}>
      <span class="alarm-priority">
        <span aria-hidden="true">{priorityMarker(alarm.priority)} </span>
        {priorityLabel(alarm.priority)} alarm
      </span>
      <span class="alarm-text">{text}</span>
      <span class="alarm-since">since {formatClock(alarm.since)}</span>
      {alarm.acknowledged ? (
        <span class="alarm-acked">Acknowledged{alarm.acknowledgedBy ? ` (${alarm.acknowledgedBy})` : ''}</span>
      ) : (
        <button
          type="button"
          class="ack"
          disabled={busy}
          onClick={ack}
          aria-label={`Acknowledge ${priorityLabel(alarm.priority).toLowerCase()} alarm: ${text}, ${props.where}`}
        >
          Acknowledge
        </button>
      )}
      {error ? (
        <span class="alarm-error" role="alert">
          Not acknowledged: {error}
        </span>
      ) : null}
    </li>
  );
}

export interface TrendFrame {
  readonly windowMs: number;
  readonly bucketMs: number;
}

function Vital(props: { row: VitalRow; now: number; trend: TrendFrame }) {
  const { metric, latest, trend, alarm } = props.row;
  const age = latest ? props.now - latest.measuredAt : null;
  const stale = age !== null && age > STALE_AFTER_MS;
  const cls = ['vital', alarm ? `vital-alarm vital-${alarm.priority}` : '', stale ? 'stale' : ''].filter(Boolean).join(' ');
  return (
    <tr class={cls} data-metric={metric.code}>
      <th scope="row">{metric.name}</th>
      <td class="value">
        {latest ? (
          <>
            <span class="num">{formatValue(latest.value, metric.decimals)}</span> <span class="unit">{metric.label}</span>
          </>
        ) : (
          <span class="num">–</span>
        )}
        {alarm ? (
          <span class="badge">
            <span aria-hidden="true">{priorityMarker(alarm.priority)} </span>
            {alarm.priority.toUpperCase()}
            <span class="sr-only"> priority alarm, {alarm.side}</span>
          </span>
        ) : null}
      </td>
      <td class="age">
        {age === null ? 'no value' : formatAge(age)}
        {stale ? <span class="stale-text"> (stale)</span> : null}
      </td>
      <td class="trend">
        <Sparkline
          points={trend}
          now={props.now}
          windowMs={props.trend.windowMs}
          bucketMs={props.trend.bucketMs}
          label={`${metric.name}, last hour`}
        />
      </td>
    </tr>
  );
}

export function BedTile(props: { tile: Tile; metrics: readonly MetricInfo[]; now: number; trend: TrendFrame }) {
  const { tile } = props;
  const level = loudest(tile.alarms);
  const title = tile.bedLabel ? `Bed ${tile.bedLabel}` : `Monitor ${tile.deviceIds[0] ?? ''}`;
  const headingId = `tile-${tile.key.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  const cls = [
    'tile',
    level ? `tile-alarm tile-${level}` : '',
    tile.alarms.length > 0 && !level ? 'tile-acked' : '',
    tile.presence === 'offline' ? 'tile-offline' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <section class={cls} aria-labelledby={headingId} data-bed={tile.bedLabel ?? ''} data-devices={tile.deviceIds.join(' ')}>
      <header class="tile-head">
        <h2 id={headingId}>{title}</h2>
        <p class="patient">
          {tile.patientName ??
            (tile.hasPatient ? 'Patient (name withheld by policy)' : tile.bedLabel ? 'No patient assigned' : '')}
        </p>
        <p class={`presence presence-${tile.presence}`}>
          {tile.presence === 'offline'
            ? 'Monitor offline'
            : tile.presence === 'online'
              ? 'Monitor online'
              : 'Monitor status unknown'}
          {tile.bedLabel && tile.deviceIds.length > 0 ? <span class="device-ids"> · {tile.deviceIds.join(', ')}</span> : null}
        </p>
      </header>
      {tile.alarms.length > 0 ? (
        <ul class="alarms" aria-label={`Alarms of ${title}`}>
          {tile.alarms.map((a) => (
            <AlarmLine key={a.id} alarm={a} metrics={props.metrics} where={title} />
          ))}
        </ul>
      ) : null}
      {tile.vitals.length > 0 ? (
        <table class="vitals">
          <caption class="sr-only">Vital signs of {title}</caption>
          <colgroup>
            <col class="c-name" />
            <col class="c-value" />
            <col class="c-age" />
            <col class="c-trend" />
          </colgroup>
          <thead class="sr-only">
            <tr>
              <th scope="col">Vital sign</th>
              <th scope="col">Latest value</th>
              <th scope="col">Age</th>
              <th scope="col">Last hour</th>
            </tr>
          </thead>
          <tbody>
            {tile.vitals.map((r) => (
              <Vital key={r.metric.code} row={r} now={props.now} trend={props.trend} />
            ))}
          </tbody>
        </table>
      ) : (
        <p class="no-data">No readings yet</p>
      )}
    </section>
  );
}
