/**
 * Settings of the web service (dashboard and admin portal), beside the common cloud settings, read once at
 * start-up. Every variable is listed in docs/configuration.md (a test checks).
 */
import { ConfigError, TOPICS, parse, readConfig, type ConfigOf } from '@vitals/shared';
import { cloudCommonSettings } from '../config.js';

function baseUrl(raw: string): string {
  return parse.url(raw).replace(/\/+$/, '');
}

export const webSettings = {
  port: {
    env: 'WEB_PORT',
    default: '8088',
    doc: 'HTTP(S) port of the web service (dashboard, admin portal, API proxy)',
    parse: parse.port,
  },
  host: { env: 'WEB_HOST', default: '0.0.0.0', doc: 'Address the web service listens on', parse: parse.nonEmpty },
  storageUrl: {
    env: 'WEB_STORAGE_URL',
    default: 'http://127.0.0.1:8080',
    doc: 'Storage service the web service proxies `/api/storage/*` to',
    parse: baseUrl,
  },
  analyticsUrl: {
    env: 'WEB_ANALYTICS_URL',
    default: 'http://127.0.0.1:8082',
    doc: 'Analytics service the web service proxies `/api/analytics/*` and the WebSocket `/api/analytics/v1/stream` to',
    parse: baseUrl,
  },
  configUrl: {
    env: 'WEB_CONFIG_URL',
    default: 'http://127.0.0.1:8081',
    doc: 'Configuration service the web service proxies `/api/config/*` to',
    parse: baseUrl,
  },
  upstreamCaFile: {
    env: 'WEB_UPSTREAM_CA_FILE',
    default: '',
    doc: "PEM file of a private CA the upstream services' certificates are verified against (https upstreams)",
    parse: parse.string,
  },
  upstreamTimeoutMs: {
    env: 'WEB_UPSTREAM_TIMEOUT',
    default: '30s',
    doc: 'How long a proxied request may wait for the upstream service to answer before it fails with 503',
    parse: parse.duration,
  },
  alertsTopic: {
    env: 'WEB_ALERTS_TOPIC',
    default: TOPICS.alerts,
    doc: 'Kafka topic of alert events the web service follows for the active alerts of the dashboard',
    parse: parse.nonEmpty,
  },
  alertsEnabled: {
    env: 'WEB_ALERTS_ENABLED',
    default: 'true',
    doc: 'Follow the alerts topic (false: the dashboard shows no cloud alerts and the service needs no Kafka)',
    parse: parse.bool,
  },
} as const;

export const webConfigSettings = { ...cloudCommonSettings, ...webSettings };
export type WebConfig = ConfigOf<typeof webConfigSettings>;

export function loadWebConfig(env: Readonly<Record<string, string | undefined>>, overrides: Partial<WebConfig> = {}): WebConfig {
  const config = readConfig(webConfigSettings, env, overrides);
  const problems: string[] = [];
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) {
    problems.push('CLOUD_TLS_CERT_FILE and CLOUD_TLS_KEY_FILE must be set together (or neither)');
  }
  if (config.jwtSecret !== '' && config.jwtSecret.length < 32) problems.push('CLOUD_JWT_SECRET must be at least 32 characters');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
