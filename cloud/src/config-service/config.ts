/**
 * Settings of the configuration service, read once at start-up: the common cloud settings (database, auth, TLS,
 * resilience, logging) plus its own. Every variable is listed in docs/configuration.md (a test checks).
 */
import path from 'node:path';
import { ConfigError, parse, readConfig, type ConfigOf } from '@vitals/shared';
import { cloudCommonSettings } from '../config.js';

function optionalFile(raw: string): string {
  return raw.trim() === '' ? '' : path.resolve(raw.trim());
}

function mqttUrl(raw: string): string {
  const url = parse.url(raw);
  if (!/^mqtts?:\/\//.test(url)) throw new Error('must be an mqtt:// or mqtts:// URL');
  return url;
}

export const configServiceSettings = {
  port: { env: 'CONFIG_PORT', default: '8081', doc: 'HTTP(S) port of the configuration service', parse: parse.port },
  host: {
    env: 'CONFIG_HOST',
    default: '0.0.0.0',
    doc: 'Address the HTTP API and the embedded MQTT broker listen on',
    parse: parse.nonEmpty,
  },
  mqttMode: {
    env: 'CONFIG_MQTT_MODE',
    default: 'embedded',
    doc: "`embedded` (the service runs the gateways' MQTT broker) or `external` (it publishes to CONFIG_MQTT_URL)",
    parse: parse.oneOf('embedded', 'external'),
  },
  mqttPort: {
    env: 'CONFIG_MQTT_PORT',
    default: '1885',
    doc: 'Port of the embedded MQTT broker gateways connect to (MQTT over TLS when a certificate is configured)',
    parse: parse.port,
  },
  mqttTlsCertFile: {
    env: 'CONFIG_MQTT_TLS_CERT_FILE',
    default: '',
    doc: 'PEM certificate of the embedded broker; with CONFIG_MQTT_TLS_KEY_FILE it speaks mqtts only. Empty: CLOUD_TLS_CERT_FILE',
    parse: optionalFile,
  },
  mqttTlsKeyFile: {
    env: 'CONFIG_MQTT_TLS_KEY_FILE',
    default: '',
    doc: 'PEM private key of CONFIG_MQTT_TLS_CERT_FILE. Empty: CLOUD_TLS_KEY_FILE',
    parse: optionalFile,
  },
  mqttUrl: {
    env: 'CONFIG_MQTT_URL',
    default: 'mqtt://127.0.0.1:1883',
    doc: 'External broker (`mqtt://` or `mqtts://`) when CONFIG_MQTT_MODE=external',
    parse: mqttUrl,
  },
  mqttCaFile: {
    env: 'CONFIG_MQTT_CA_FILE',
    default: '',
    doc: "PEM file of a private CA the external broker's certificate is verified against (mqtts)",
    parse: optionalFile,
  },
  mqttUsername: {
    env: 'CONFIG_MQTT_USERNAME',
    default: '',
    doc: 'User name of the service at the external broker (it needs write on vitals/config/+ and read on vitals/config/+/ack)',
    parse: parse.string,
  },
  mqttPassword: {
    env: 'CONFIG_MQTT_PASSWORD',
    default: '',
    doc: 'Password of the service at the external broker',
    parse: parse.string,
    secret: true,
  },
  mqttClientId: {
    env: 'CONFIG_MQTT_CLIENT_ID',
    default: 'vitals-config-service',
    doc: 'Client id of the service at the external broker (persistent session, so acknowledgements wait for it)',
    parse: parse.nonEmpty,
  },
  debounceMs: {
    env: 'CONFIG_DEBOUNCE',
    default: '100ms',
    doc: 'How long change notifications are gathered before the affected documents are recomputed',
    parse: parse.duration,
  },
  reconcileIntervalMs: {
    env: 'CONFIG_RECONCILE_INTERVAL',
    default: '5m',
    doc: "Every so often every gateway's document is recomputed and the newest version republished if the broker lacks it",
    parse: parse.duration,
  },
  publishRetryMs: {
    env: 'CONFIG_PUBLISH_RETRY',
    default: '5s',
    doc: 'Pause before a failed publish or recompute is tried again',
    parse: parse.duration,
  },
  apiBodyLimit: {
    env: 'CONFIG_API_BODY_LIMIT',
    default: '256KiB',
    doc: 'Largest request body; larger answers 413',
    parse: parse.bytes,
  },
  rateLimitMax: {
    env: 'CONFIG_RATE_LIMIT_MAX',
    default: '600',
    doc: 'Requests one caller may make per window; beyond answers 429',
    parse: parse.int(1, 10_000_000),
  },
  rateLimitWindowMs: {
    env: 'CONFIG_RATE_LIMIT_WINDOW',
    default: '1m',
    doc: 'Window of the per-caller rate limit',
    parse: parse.duration,
  },
  docsEnabled: {
    env: 'CONFIG_DOCS_ENABLED',
    default: 'true',
    doc: 'Serve the OpenAPI document and Swagger UI at /docs',
    parse: parse.bool,
  },
} as const;

export type ConfigServiceConfig = ConfigOf<typeof cloudCommonSettings & typeof configServiceSettings>;

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfigServiceConfig(
  env: Env,
  overrides: Partial<Record<keyof ConfigServiceConfig, unknown>> = {},
): ConfigServiceConfig {
  const config = readConfig({ ...cloudCommonSettings, ...configServiceSettings }, env, overrides);
  const problems: string[] = [];
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) {
    problems.push('CLOUD_TLS_CERT_FILE and CLOUD_TLS_KEY_FILE must be set together (or neither)');
  }
  if ((config.mqttTlsCertFile === '') !== (config.mqttTlsKeyFile === '')) {
    problems.push('CONFIG_MQTT_TLS_CERT_FILE and CONFIG_MQTT_TLS_KEY_FILE must be set together (or neither)');
  }
  if (config.jwtSecret !== '' && config.jwtSecret.length < 32) problems.push('CLOUD_JWT_SECRET must be at least 32 characters');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The certificate and key of the embedded broker: its own, else the HTTP listeners'. Empty strings: plain MQTT. */
export function mqttTlsFiles(c: ConfigServiceConfig): { certFile: string; keyFile: string } {
  return c.mqttTlsCertFile !== ''
    ? { certFile: c.mqttTlsCertFile, keyFile: c.mqttTlsKeyFile }
    : { certFile: c.tlsCertFile, keyFile: c.tlsKeyFile };
}
