/**
 * Settings of the alarm dispatcher (beside the common cloud settings), read once at start-up. Every variable is
 * listed in docs/configuration.md (a test checks). Receivers themselves are rows of `alarm_receivers` (V9).
 */
import { ConfigError, TOPICS, parse, readConfig, type ConfigOf } from '@vitals/shared';
import { cloudCommonSettings } from '../config.js';

export const dispatcherSettings = {
  port: {
    env: 'DISPATCHER_PORT',
    default: '8085',
    doc: 'HTTP(S) port of the alarm dispatcher (health, readiness, metrics, status)',
    parse: parse.port,
  },
  groupId: {
    env: 'DISPATCHER_GROUP_ID',
    default: 'vitals-alarm-dispatcher',
    doc: 'Kafka consumer group of the dispatcher instances; its committed offsets are the dispatch progress',
    parse: parse.nonEmpty,
  },
  inputTopic: {
    env: 'DISPATCHER_INPUT_TOPIC',
    default: TOPICS.alerts,
    doc: 'Topic of alert events the dispatcher sends out (read_committed, keyed by patient id)',
    parse: parse.nonEmpty,
  },
  fromBeginning: {
    env: 'DISPATCHER_FROM_BEGINNING',
    default: 'false',
    doc: 'A new consumer group starts at the beginning of the alerts topic (false: at its end, so old alarms are not sent)',
    parse: parse.bool,
  },
  facility: {
    env: 'DISPATCHER_FACILITY',
    default: 'VITALS',
    doc: 'MSH-4 sending facility and assigning authority of the MRN in PID-3',
    parse: parse.nonEmpty,
  },
  ackTimeoutMs: {
    env: 'DISPATCHER_ACK_TIMEOUT',
    default: '10s',
    doc: 'How long to wait for a receiver’s HL7 ACK before the message is sent again (on a new connection)',
    parse: parse.duration,
  },
  connectTimeoutMs: {
    env: 'DISPATCHER_CONNECT_TIMEOUT',
    default: '3s',
    doc: 'TCP connect timeout to a receiver',
    parse: parse.duration,
  },
  retryInitialMs: {
    env: 'DISPATCHER_RETRY_INITIAL',
    default: '500ms',
    doc: 'First wait before a message refused (AE/AR), unanswered or undeliverable is sent again; doubles per attempt',
    parse: parse.duration,
  },
  retryMaxMs: {
    env: 'DISPATCHER_RETRY_MAX',
    default: '30s',
    doc: 'Longest wait between two attempts to send one message (it is retried until acknowledged)',
    parse: parse.duration,
  },
  escalationDelayMs: {
    env: 'DISPATCHER_ESCALATION_DELAY',
    default: '2m',
    doc: 'A high-priority alarm not cleared or de-escalated this long after it was sent is sent again (0 disables)',
    parse: parse.duration,
  },
  escalationMaxResends: {
    env: 'DISPATCHER_ESCALATION_MAX_RESENDS',
    default: '3',
    doc: 'Most re-sends of one unanswered high-priority alarm, one every DISPATCHER_ESCALATION_DELAY',
    parse: parse.int(0, 1000),
  },
  escalationTickMs: {
    env: 'DISPATCHER_ESCALATION_TICK',
    default: '1s',
    doc: 'How often due re-sends are looked for',
    parse: parse.duration,
  },
  receiversRefreshMs: {
    env: 'DISPATCHER_RECEIVERS_REFRESH',
    default: '10s',
    doc: 'How long the receivers read from PostgreSQL are used before they are read again (0: for every alarm)',
    parse: parse.duration,
  },
  sessionTimeoutMs: {
    env: 'DISPATCHER_SESSION_TIMEOUT',
    default: '30s',
    doc: 'Consumer group session timeout: how soon the partitions of a dead instance move to the others',
    parse: parse.duration,
  },
  fetchWaitMs: {
    env: 'DISPATCHER_FETCH_WAIT',
    default: '100ms',
    doc: 'Longest wait of a Kafka fetch for more alert events; bounds the alarm-to-receiver latency from below',
    parse: parse.duration,
  },
} as const;

export const dispatcherConfigSettings = { ...cloudCommonSettings, ...dispatcherSettings };
export type DispatcherConfig = ConfigOf<typeof dispatcherConfigSettings>;

export function loadDispatcherConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<DispatcherConfig> = {},
): DispatcherConfig {
  const config = readConfig(dispatcherConfigSettings, env, overrides);
  const problems: string[] = [];
  if (config.retryInitialMs < 1) problems.push('DISPATCHER_RETRY_INITIAL must be at least 1ms');
  if (config.retryMaxMs < config.retryInitialMs) problems.push('DISPATCHER_RETRY_MAX must not be below DISPATCHER_RETRY_INITIAL');
  if (config.ackTimeoutMs < 10) problems.push('DISPATCHER_ACK_TIMEOUT must be at least 10ms');
  if (config.escalationTickMs < 10) problems.push('DISPATCHER_ESCALATION_TICK must be at least 10ms');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
