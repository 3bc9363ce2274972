import type { ComponentChildren } from 'preact';
import { errorText } from './api.js';
import type { StreamState } from './stream.js';

export function ErrorBox(props: { error: unknown; what?: string }) {
  if (props.error === undefined || props.error === null) return null;
  return (
    <p class="error" role="alert">
      {props.what ? `${props.what}: ` : ''}
      {errorText(props.error)}
    </p>
  );
}

export function Loading(props: { when: boolean; children?: ComponentChildren }) {
  return props.when ? (
    <p class="muted" role="status">
      {props.children ?? 'Loading…'}
    </p>
  ) : null;
}

/** A polite live region: messages after a save, a refresh, ... */
export function StatusLine(props: { message: string | null }) {
  return (
    <p class="status-line" role="status" aria-live="polite">
      {props.message ?? ''}
    </p>
  );
}

export function LiveBadge(props: { state: StreamState }) {
  const text = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', refused: 'Live updates refused' }[
    props.state
  ];
  return (
    <span class={`live live-${props.state}`} data-testid="live-state">
      <span aria-hidden="true">{props.state === 'live' ? '● ' : '○ '}</span>
      {text}
    </span>
  );
}

export function PriorityTag(props: { priority: string }) {
  const marker = props.priority === 'high' ? '!!!' : props.priority === 'medium' ? '!!' : '!';
  return (
    <span class={`prio prio-${props.priority}`}>
      <span aria-hidden="true">{marker} </span>
      {props.priority.toUpperCase()}
    </span>
  );
}

export function News2Tag(props: { total: number | null; risk: string | null }) {
  if (props.total === null) return <span class="muted">–</span>;
  return (
    <span class={`news news-${props.risk ?? 'low'}`} title={`NEWS2 risk: ${props.risk ?? ''}`}>
      {props.total} <span class="news-risk">{props.risk}</span>
    </span>
  );
}
