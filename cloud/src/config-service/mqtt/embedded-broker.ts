/**
 * The embedded MQTT broker of the configuration service (aedes 1.x), where gateways fetch their documents.
 *
 * - Authentication: user name = gateway id, password = the gateway's token (`vgw_...`, the same one it ingests
 *   with), checked against `gateways.token_hash` (SHA-256); a deleted gateway or a wrong token is refused at
 *   CONNECT (return code 4). Sessions are re-checked when the gateway row changes, so a rotated token or a
 *   deletion disconnects it at once.
 * - Authorisation: a gateway may subscribe only to `vitals/config/<its id>` (anything else gets SUBACK 0x80) and
 *   publish only to `vitals/config/<its id>/ack`; any other publish closes its connection (MQTT 3.1.1 has no
 *   PUBACK reason codes) and is never delivered or recorded.
 * - Acknowledgements are recorded inside `authorizePublish`, so aedes sends the PUBACK only once the record is
 *   committed; if recording fails, the connection is closed without PUBACK and the gateway sends it again.
 * - Documents are published in-process, retained, QoS 1; aedes keeps retained messages in memory, which is why the
 *   service republishes every gateway's newest version at start.
 * - TLS when a certificate and key are given: the listener speaks mqtts only.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { createConnectGate, GATEWAY_ID_PATTERN } from '@vitals/shared';
import type { Logger } from '../../logging.js';
import { ConfigServiceErrors } from '../errors.js';
import type { ConfigTransport, TransportEvents } from './transport.js';
import { mayGatewayPublish, mayGatewaySubscribe } from './topic-rules.js';

export interface GatewayCredentials {
  /** The token hash of a live gateway whose token is `token`, or undefined. */
  check(gatewayId: string, token: string): Promise<string | undefined>;
  /** The current token hash of a live gateway, or undefined (deleted). */
  currentHash(gatewayId: string): Promise<string | undefined>;
}

export interface EmbeddedBrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  readonly credentials: GatewayCredentials;
  readonly events: TransportEvents;
  readonly log: Logger;
}

const GATEWAY_ID = new RegExp(GATEWAY_ID_PATTERN);
const RETURN_CODE_BAD_CREDENTIALS = 4;

function authError(gatewayId: string, reason: string): AuthenticateError {
  const err = ConfigServiceErrors.CONFIG_ERR_GATEWAY_AUTH(gatewayId, reason) as unknown as AuthenticateError;
  err.returnCode = RETURN_CODE_BAD_CREDENTIALS;
  return err;
}

export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<ConfigTransport> {
  const { log } = o;
  /** Client -> gateway id and the token hash it authenticated with. */
  const sessions = new WeakMap<Client, { gatewayId: string; tokenHash: string }>();
  /** Packets sent before the CONNACK wait in the authorize hooks for the CONNECT's outcome. */
  const gate = createConnectGate<Client>();
  const byGateway = new Map<string, Set<Client>>();

  type AedesOptions = NonNullable<Parameters<typeof Aedes.createBroker>[0]>;
  const authorizeSubscribeNow: NonNullable<AedesOptions['authorizeSubscribe']> = (client, sub, cb) => {
    const s = client ? sessions.get(client) : undefined;
    if (s && mayGatewaySubscribe(s.gatewayId, sub.topic)) return cb(null, sub);
    log.warn({ gatewayId: s?.gatewayId, topic: sub.topic }, 'gateway subscription refused');
    cb(null, null);
  };
  const authorizePublishNow: NonNullable<AedesOptions['authorizePublish']> = (client, packet, cb) => {
    if (!client) return cb(null); // the service's own publishes
    const s = sessions.get(client);
    if (!s || !mayGatewayPublish(s.gatewayId, packet.topic)) {
      log.warn({ gatewayId: s?.gatewayId, topic: packet.topic }, 'gateway publish refused; closing its connection');
      return cb(ConfigServiceErrors.CONFIG_ERR_TOPIC_DENIED(s?.gatewayId ?? client.id, 'publish to', packet.topic));
    }
    (packet as PublishPacket).retain = false;
    o.events.onAck(s.gatewayId, packet.payload as Buffer).then(
      () => cb(null),
      (err: unknown) => cb(err as Error),
    );
  };

  const broker = await Aedes.createBroker({
    id: 'vitals-config',
    maxClientsIdLength: 128,
    // Marks the CONNECT as being checked from its first moment (aedes calls authenticate a tick later).
    preConnect(client, _packet, callback) {
      gate.begin(client, client.conn);
      callback(null, true);
    },
    authenticate(client, username, password, callback) {
      const done: typeof callback = (err, ok) => {
        callback(err, ok);
        gate.end(client);
      };
      const gatewayId = username ?? '';
      if (!GATEWAY_ID.test(gatewayId) || !password || password.length === 0) {
        log.warn({ clientId: client.id }, 'gateway refused at MQTT connect: no gateway id or token');
        return done(authError(gatewayId || client.id, 'user name must be the gateway id and password its token'), false);
      }
      o.credentials.check(gatewayId, password.toString('utf8')).then(
        (tokenHash) => {
          if (tokenHash === undefined) {
            log.warn({ gatewayId, clientId: client.id }, 'gateway refused at MQTT connect: unknown gateway or wrong token');
            return done(authError(gatewayId, 'unknown gateway or wrong token'), false);
          }
          sessions.set(client, { gatewayId, tokenHash });
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err, gatewayId }, 'gateway credentials could not be checked');
          const e = err as AuthenticateError;
          e.returnCode = 3; // server unavailable
          done(e, false);
        },
      );
    },
    authorizeSubscribe(client, sub, cb) {
      if (client && !sessions.has(client)) return gate.afterConnect(client, () => authorizeSubscribeNow(client, sub, cb));
      authorizeSubscribeNow(client, sub, cb);
    },
    authorizePublish(client, packet, cb) {
      if (client && !sessions.has(client)) return gate.afterConnect(client, () => authorizePublishNow(client, packet, cb));
      authorizePublishNow(client, packet, cb);
    },
    // Acknowledgements are for the service only: nobody else receives them.
    authorizeForward(client, packet) {
      return client && sessions.has(client) && packet.topic.endsWith('/ack') ? null : packet;
    },
  });

  broker.on('clientReady', (client) => {
    const s = sessions.get(client);
    if (!s) return;
    let set = byGateway.get(s.gatewayId);
    if (!set) byGateway.set(s.gatewayId, (set = new Set()));
    set.add(client);
    o.events.onPresence?.(s.gatewayId, true);
  });
  broker.on('clientDisconnect', (client) => {
    const s = sessions.get(client);
    if (!s) return;
    const set = byGateway.get(s.gatewayId);
    set?.delete(client);
    if (set && set.size === 0) byGateway.delete(s.gatewayId);
    o.events.onPresence?.(s.gatewayId, false);
  });
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'MQTT client error'));

  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    broker.handle(socket);
  };
  const server = o.tls
    ? tls.createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }, onSocket)
    : net.createServer(onSocket);
  if (o.tls) server.on('tlsClientError', (err) => log.debug({ err }, 'MQTT TLS handshake failed'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => resolve());
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw ConfigServiceErrors.CONFIG_ERR_MQTT_LISTEN.withCause(err, o.host, o.port, (err as Error).message);
  }
  const port = (server.address() as net.AddressInfo).port;
  const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;

  const publish = (topic: string, payload: Buffer) =>
    new Promise<void>((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: true, dup: false }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );

  return {
    kind: 'embedded',
    url: `${o.tls ? 'mqtts' : 'mqtt'}://${host}:${port}`,
    publish,
    clear: (topic) => publish(topic, Buffer.alloc(0)),
    ready: () => server.listening && !broker.closed,
    connectedGateways: () => new Set(byGateway.keys()),
    async revalidate(gatewayIds) {
      for (const gatewayId of gatewayIds) {
        const clients = byGateway.get(gatewayId);
        if (!clients || clients.size === 0) continue;
        const current = await o.credentials.currentHash(gatewayId);
        for (const client of [...clients]) {
          if (sessions.get(client)?.tokenHash === current) continue;
          log.warn({ gatewayId }, 'gateway token rotated or gateway deleted: closing its MQTT session');
          client.close();
        }
      }
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}
