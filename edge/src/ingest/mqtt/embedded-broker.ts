/**
 * The embedded MQTT broker (aedes 1.x, MQTT 3.1/3.1.1) that bedside monitors connect to.
 *
 * Commit before acknowledge: aedes writes a QoS 1 PUBACK only after `authorizePublish` calls back (a
 * subscription handler would not delay it), so readings are decoded inside `authorizePublish` after the
 * authorisation check, queued for the next group commit, and the callback runs once that transaction has
 * committed. A frame that fails validation is recorded in `rejected` and then acknowledged (the device must not
 * resend it forever), with the reason published on the device's errors topic. Publishing under another
 * device's id is refused the way Mosquitto does for MQTT 3.1.1: acknowledged, not delivered, recorded.
 */
import net from 'node:net';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { createConnectGate, type Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import { EdgeErrors } from '../../errors.js';
import type { LocalState } from '../../local-state.js';
import type { DeviceAuth } from '../device-auth.js';
import { createMqttReadingsHandler, errorNote, type MqttReadingsDeps } from './mqtt-readings.js';
import { parsePresence, type DeviceTopics } from './topics.js';

export interface EmbeddedBrokerOptions {
  readonly gatewayId: string;
  readonly host: string;
  readonly port: number;
  readonly topics: DeviceTopics;
  readonly auth: DeviceAuth;
  readonly readings: Omit<MqttReadingsDeps, 'notify'>;
  readonly state: LocalState;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface EmbeddedBroker {
  readonly port: number;
  readonly broker: Aedes;
  /** Stops accepting connections (frames already received still commit and get their PUBACK). */
  stopAccepting(): Promise<void>;
  /** Disconnects every client and closes the broker. */
  close(): Promise<void>;
}

const AUTH_RETURN_CODE = { 'bad-id': 2, 'unknown-device': 5, 'bad-credentials': 4 } as const;

export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const identities = new WeakMap<Client, string>();
  /** Publishes acknowledged but refused: never forwarded to subscribers. */
  const refused = new WeakSet<object>();
  const { topics, log } = o;

  const handler = createMqttReadingsHandler({
    ...o.readings,
    notify: (deviceId, rejections) =>
      broker.publish(
        { cmd: 'publish', topic: topics.errors(deviceId), payload: errorNote(rejections), qos: 0, retain: false, dup: false },
        () => undefined,
      ),
  });

  type AedesOptions = NonNullable<Parameters<typeof Aedes.createBroker>[0]>;
  /** Packets sent before the CONNACK wait in the authorize hooks for the CONNECT's outcome. */
  const gate = createConnectGate<Client>();
  const authorizePublishNow: NonNullable<AedesOptions['authorizePublish']> = (client, packet, cb) => {
    if (!client) return cb(null);
    const identity = identities.get(client);
    const t = topics.parse(packet.topic);
    const isWill = packet === (client as Client & { will?: unknown }).will;
    if (identity === undefined || !t || t.deviceId !== identity) {
      refused.add(packet);
      const detail = `${identity ?? client.id} may not publish to ${packet.topic}`;
      if (isWill) return cb(null);
      return handler.refuse(identity, { reason: 'DEVICE_NOT_AUTHORISED', detail, payload: packet.payload as Buffer }, cb);
    }
    if (t.kind === 'status') {
      const status = parsePresence(packet.payload as Buffer);
      if (status) o.state.setPresence({ deviceId: identity, status, atMs: o.clock.now(), via: isWill ? 'will' : 'status' });
      return cb(null);
    }
    if (packet.topic === topics.settings(identity)) {
      // Settings come from the gateway (the applied configuration), never from the device itself.
      refused.add(packet);
      (packet as PublishPacket).retain = false;
      log.warn({ deviceId: identity, topic: packet.topic }, 'device publish to its settings topic ignored');
      return cb(null);
    }
    if (t.kind !== 'readings') return cb(null);
    // Readings are not retained by the broker: the buffer is where they live.
    (packet as PublishPacket).retain = false;
    handler.readings(identity, packet.payload as Buffer, cb);
  };
  const authorizeSubscribeNow: NonNullable<AedesOptions['authorizeSubscribe']> = (client, sub, cb) => {
    const identity = identities.get(client);
    if (identity !== undefined && topics.isOwnSubtree(identity, sub.topic)) return cb(null, sub);
    log.warn({ clientId: client.id, topic: sub.topic }, 'subscription outside the device subtree refused');
    cb(null, null);
  };

  const broker: Aedes = await Aedes.createBroker({
    id: o.gatewayId,
    maxClientsIdLength: 64,
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
      o.auth.authenticate(client.id, username, password).then(
        (r) => {
          if (r.ok) {
            identities.set(client, r.deviceId);
            return done(null, true);
          }
          const err = EdgeErrors.EDGE_ERR_DEVICE_AUTH(username || client.id, r.reason) as unknown as AuthenticateError;
          err.returnCode = AUTH_RETURN_CODE[r.reason];
          log.warn({ clientId: client.id, username, reason: r.reason }, 'device refused at connect');
          done(err, false);
        },
        (err: unknown) => done(err as AuthenticateError, false),
      );
    },
    authorizePublish(client, packet, cb) {
      if (client && !identities.has(client)) return gate.afterConnect(client, () => authorizePublishNow(client, packet, cb));
      authorizePublishNow(client, packet, cb);
    },
    authorizeSubscribe(client, sub, cb) {
      if (client && !identities.has(client)) return gate.afterConnect(client, () => authorizeSubscribeNow(client, sub, cb));
      authorizeSubscribeNow(client, sub, cb);
    },
    authorizeForward(_client, packet: AedesPublishPacket) {
      return refused.has(packet) ? null : packet;
    },
  });

  broker.on('clientReady', (client) => {
    const id = identities.get(client);
    if (id) o.state.setPresence({ deviceId: id, status: 'online', atMs: o.clock.now(), via: 'connect' });
  });
  broker.on('clientDisconnect', (client) => {
    const id = identities.get(client);
    if (id) o.state.setPresence({ deviceId: id, status: 'offline', atMs: o.clock.now(), via: 'disconnect' });
  });
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'MQTT client error'));

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  let closedResolve: () => void = () => undefined;
  const serverClosed = { promise: new Promise<void>((r) => (closedResolve = r)), resolve: () => closedResolve() };
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(EdgeErrors.EDGE_ERR_LISTEN.withCause(err, 'MQTT', o.host, o.port, err.message)));
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    broker,
    stopAccepting: async () => {
      // Refuse new connections; the 'close' event comes only once the open ones are gone (see close()).
      if (server.listening) server.close(serverClosed.resolve);
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      if (server.listening) server.close(serverClosed.resolve);
      await serverClosed.promise;
    },
  };
}
