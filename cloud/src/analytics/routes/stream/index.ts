/**
 * `GET /v1/stream`: the WebSocket push of committed window changes. Authentication happens in the protocol (an
 * `Authorization: Bearer` header on the upgrade, or a first `auth` message, since browsers cannot set headers),
 * so the route itself is public; everything after it is checked per message (roles, customer of the target).
 */
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from '../../../auth/access.js';
import { ErrorBodySchema } from '../../../http/error-body.js';
import { AnalyticsErrors } from '../../errors.js';
import { authenticate, route } from './handlers.js';
import { StreamSession, type StreamDeps } from './session.js';

export async function streamRoutes(app: FastifyInstance, o: { deps: StreamDeps }): Promise<void> {
  const { deps } = o;
  const sessions = new Set<StreamSession>();
  // Protocol pings find dead peers: a client that did not answer the last ping is cut.
  const pinger = deps.clock.setInterval(() => {
    for (const s of sessions) {
      if (!s.alive) {
        s.socket.terminate();
        continue;
      }
      s.alive = false;
      s.socket.ping();
    }
  }, 30_000);
  app.addHook('onClose', async () => deps.clock.clearInterval(pinger));

  // `wsHandler` rather than `websocket: true`, which would hide the route from the OpenAPI document.
  app.route({
    method: 'GET',
    url: '/v1/stream',
    config: { access: PUBLIC },
    schema: {
      tags: ['stream'],
      summary: 'WebSocket: committed window changes of a patient or a department',
      description:
        'Upgrade to WebSocket. Authenticate with `Authorization: Bearer` on the upgrade or a first message ' +
        '`{"type":"auth","token":"..."}`; then `{"type":"subscribe","id":"s1","query":"patient-1m","patientId":"..."}` ' +
        '(or `departmentId`). The server answers a `header` (query, columns) and then one `row` per committed change. ' +
        'Protocol: docs/analytics.md.',
      security: [],
      response: { 426: ErrorBodySchema },
    },
    handler: async () => {
      throw AnalyticsErrors.ANALYTICS_ERR_WS_UPGRADE_REQUIRED('/v1/stream');
    },
    wsHandler: (socket, req) => {
      const session = new StreamSession(socket, deps, deps.log.child({ component: 'stream', reqId: req.id }));
      sessions.add(session);
      deps.metrics.wsClients.inc();
      let chain = Promise.resolve();
      socket.on('pong', () => {
        session.alive = true;
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = data.toString();
        chain = chain.then(() => route(session, text));
      });
      socket.on('close', () => {
        sessions.delete(session);
        deps.metrics.wsClients.dec();
        session.ended();
      });
      const header = req.headers.authorization;
      if (header) chain = chain.then(() => authenticate(session, header));
      else session.awaitAuth();
    },
  });
}
