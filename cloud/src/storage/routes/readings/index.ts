/**
 * Ingest endpoints, for gateways (and gateway-role keys): `POST /v1/readings:batch` (the edge forwarder's batches)
 * and `POST /v1/readings` (a device posting directly; the cloud is its first durable hop). 200 only after the
 * PostgreSQL commit and the Kafka acknowledgement; 503 with Retry-After and nothing acknowledged otherwise.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isVitalsError } from '@vitals/shared';
import { allow } from '../../../auth/access.js';
import { principalOf } from '../../../auth/plugin.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { CloudErrors } from '../../../errors.js';
import { errorResponses } from '../../../http/error-body.js';
import { createGatewayPresence } from '../../ingest/gateway-presence.js';
import { derivedReadingId } from '../../ingest/incoming.js';
import type { StorageDeps } from '../../deps.js';
import { BatchRequest, BatchResponse, DirectRequest, batchEnvelope, directEnvelope } from './schemas.js';

/** How often a gateway's `last_seen_at` is refreshed at most (the gateways API shows it). */
const GATEWAY_SEEN_INTERVAL_MS = 30_000;

const ERRORS = errorResponses(400, 401, 403, 413, 415, 429, 500, 503);

/** Fills what a device posting directly may omit: a stable derived id, receivedAt = now, deviceSeq = 0. */
export function completeDirectReading(raw: unknown, customerId: string, nowMs: number): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  const deviceSeq = r.deviceSeq ?? 0;
  const out: Record<string, unknown> = { ...r, deviceSeq, receivedAt: r.receivedAt ?? new Date(nowMs).toISOString() };
  if (r.readingId === undefined) {
    const measuredAtMs = typeof r.measuredAt === 'string' ? Date.parse(r.measuredAt) : Number.NaN;
    if (
      typeof r.deviceId === 'string' &&
      typeof r.metric === 'string' &&
      Number.isFinite(measuredAtMs) &&
      typeof deviceSeq === 'number'
    ) {
      out.readingId = derivedReadingId(customerId, r.deviceId, r.metric, measuredAtMs, deviceSeq);
    }
  }
  return out;
}

export async function readingRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  const { config, metrics } = deps;
  const presence = createGatewayPresence({
    db: deps.pool,
    clock: deps.clock,
    log: deps.log,
    intervalMs: GATEWAY_SEEN_INTERVAL_MS,
  });
  app.addHook('onClose', () => presence.settle());

  const run = async (req: FastifyRequest, endpoint: string, readings: readonly unknown[]) => {
    const principal = principalOf(req);
    const customerId = principal.customerId;
    if (customerId === null) throw CloudErrors.CLOUD_ERR_FORBIDDEN(principal.role, 'ingest without a customer');
    if (principal.gatewayId !== null) presence.seen(principal.gatewayId);
    const log = req.log.child({ gatewayId: principal.gatewayId, batchSize: readings.length });
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const response = await deps.ingest.ingest({ customerId, gatewayId: principal.gatewayId }, readings);
      metrics.recordBatch(endpoint, response, seconds());
      log.debug({ accepted: response.accepted, duplicate: response.duplicate, rejected: response.rejected }, 'batch stored');
      return response;
    } catch (err) {
      metrics.recordFailedBatch(endpoint, isVitalsError(err) ? err.code : 'CLOUD_ERR_INTERNAL', seconds());
      throw err;
    }
  };

  app.post(
    '/v1/readings::batch',
    {
      bodyLimit: config.ingestBodyLimit,
      config: { access: allow(ROLE_SETS.ingest) },
      validatorCompiler: batchEnvelope,
      schema: {
        tags: ['ingest'],
        summary: 'Store a batch of readings (gateways); every reading gets an outcome',
        description:
          'JSON, optionally `Content-Encoding: gzip`. 200 only after the PostgreSQL commit and the Kafka acknowledgement. ' +
          '`results` is in request order. 503 (Retry-After) acknowledges nothing: send the same batch again. ' +
          'A reading id is stored once: the same reading again is `duplicate`; another reading under a stored id (other value, ' +
          'device, metric or measured-at, or another customer) is rejected `CONFLICTING_DUPLICATE`.',
        body: BatchRequest,
        response: { 200: BatchResponse, ...ERRORS },
      },
      preValidation: async (req) => {
        const n = (req.body as { readings?: unknown[] } | undefined)?.readings?.length ?? 0;
        if (n > config.maxBatchReadings) throw CloudErrors.CLOUD_ERR_BATCH_TOO_LARGE(n, config.maxBatchReadings);
      },
    },
    async (req) => run(req, 'batch', (req.body as { readings: unknown[] }).readings),
  );

  app.post(
    '/v1/readings',
    {
      bodyLimit: Math.min(config.ingestBodyLimit, 1024 * 1024),
      config: { access: allow(ROLE_SETS.ingest) },
      validatorCompiler: directEnvelope,
      schema: {
        tags: ['ingest'],
        summary: 'Store one reading or a small array (devices posting directly)',
        description:
          'Same guarantees as the batch endpoint. Without `readingId` the cloud derives a stable one from customer, device, ' +
          'metric, measuredAt and deviceSeq, so a retry stays idempotent.',
        body: DirectRequest,
        response: { 200: BatchResponse, ...ERRORS },
      },
      preValidation: async (req) => {
        const n = Array.isArray(req.body) ? req.body.length : 1;
        if (n > config.maxDirectReadings) throw CloudErrors.CLOUD_ERR_BATCH_TOO_LARGE(n, config.maxDirectReadings);
      },
    },
    async (req) => {
      const customerId = principalOf(req).customerId ?? '';
      const now = deps.clock.now();
      const items = Array.isArray(req.body) ? req.body : [req.body];
      return run(
        req,
        'direct',
        items.map((r) => completeDirectReading(r, customerId, now)),
      );
    },
  );
}
