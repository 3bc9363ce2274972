/**
 * The uplink's HTTP client: `POST <CLOUD_URL>/v1/readings:batch`, gzip body, bearer token, keep-alive, TLS
 * verified against the system CAs plus an optional private CA. Answers are checked against the batch
 * contract. Failures that a later retry may fix are thrown as retriable coded errors (with the server's
 * Retry-After); answers about the batch itself (413, 400) are returned for the forwarder to act on.
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import {
  createValidator,
  ReadingsBatchResponseSchema,
  type Clock,
  type Reading,
  type ReadingsBatchResponse,
} from '@vitals/shared';
import { EdgeErrors } from '../errors.js';
import { parseRetryAfter } from './backoff.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const responseValidator = createValidator(ReadingsBatchResponseSchema);

export type SendResult =
  | { readonly kind: 'ok'; readonly response: ReadingsBatchResponse }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'bad-request'; readonly detail: string };

export interface CloudClientOptions {
  /** Base URL, e.g. https://cloud.example/ingest (no trailing slash). */
  readonly url: string;
  readonly token: string;
  /** PEM of a private CA, trusted in addition to the system CAs. */
  readonly ca?: Buffer;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

export interface CloudClient {
  send(readings: readonly Reading[], signal?: AbortSignal): Promise<SendResult>;
  close(): void;
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

export function createCloudClient(o: CloudClientOptions): CloudClient {
  const endpoint = new URL(`${o.url}/v1/readings:batch`);
  const secure = endpoint.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 2, ...(o.ca ? { ca: [...rootCertificates, o.ca.toString('utf8')] } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: 2 });
  const request = secure ? https.request : http.request;

  const post = (body: Buffer, signal?: AbortSignal) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = request(endpoint, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
          accept: 'application/json',
          'accept-encoding': 'gzip',
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        ...(signal ? { signal } : {}),
      });
      const timer = o.clock.setTimeout(() => req.destroy(EdgeErrors.EDGE_ERR_UPLINK_TIMEOUT(o.url, o.timeoutMs)), o.timeoutMs);
      const done = () => o.clock.clearTimeout(timer);
      req.on('error', (err) => {
        done();
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          done();
          reject(err);
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.end(body);
    });

  const wrapNetworkError = (err: unknown) => {
    const e = err as { code?: string; message: string };
    if (typeof e.code === 'string' && e.code.startsWith('EDGE_ERR_')) return err;
    if (typeof e.code === 'string' && TLS_CODES.test(e.code))
      return EdgeErrors.EDGE_ERR_UPLINK_TLS.withCause(err, o.url, e.message);
    return EdgeErrors.EDGE_ERR_UPLINK_UNREACHABLE.withCause(err, o.url, e.code ?? e.message);
  };

  return {
    async send(readings, signal) {
      const body = await gzipAsync(Buffer.from(JSON.stringify({ readings })));
      let res;
      try {
        res = await post(body, signal);
      } catch (err) {
        throw wrapNetworkError(err);
      }
      const text = async () => {
        const raw = res.headers['content-encoding'] === 'gzip' ? await gunzipAsync(res.body) : res.body;
        return raw.toString('utf8');
      };
      if (res.status >= 200 && res.status < 300) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(await text());
        } catch (err) {
          throw EdgeErrors.EDGE_ERR_UPLINK_BAD_RESPONSE.withCause(err, 'not JSON');
        }
        if (!responseValidator.check(parsed)) {
          throw EdgeErrors.EDGE_ERR_UPLINK_BAD_RESPONSE(responseValidator.problems(parsed, 3).join('; '));
        }
        return { kind: 'ok', response: parsed };
      }
      if (res.status === 413) return { kind: 'too-large' };
      if (res.status === 400 || res.status === 422) return { kind: 'bad-request', detail: (await text()).slice(0, 500) };
      if (res.status === 401 || res.status === 403) throw EdgeErrors.EDGE_ERR_UPLINK_AUTH(res.status);
      const retryAfter = parseRetryAfter(res.headers['retry-after'] as string | undefined, o.clock.now());
      const err = EdgeErrors.EDGE_ERR_UPLINK_HTTP(res.status, (await text().catch(() => '')).slice(0, 200));
      throw Object.assign(err, { retryAfterMs: retryAfter });
    },
    close: () => agent.destroy(),
  };
}
