/**
 * What the configuration service needs from an MQTT broker, whichever it is (embedded aedes or an external
 * broker such as Mosquitto): publish a gateway's document retained at QoS 1, clear it, hand every
 * acknowledgement to a handler that resolves once it is recorded (the broker's PUBACK waits for that where the
 * broker allows), and say who is connected.
 */

export interface AckHandler {
  /** Resolves once the acknowledgement is durable (or deliberately dropped); rejects to have it sent again. */
  (gatewayId: string, payload: Buffer): Promise<void>;
}

export interface TransportEvents {
  readonly onAck: AckHandler;
  /** A gateway connected or disconnected (embedded broker only: an external broker does not tell). */
  readonly onPresence?: (gatewayId: string, online: boolean) => void;
}

export interface ConfigTransport {
  readonly kind: 'embedded' | 'external';
  /** Where gateways connect: `mqtt(s)://host:port`. */
  readonly url: string;
  /** Resolves when the broker has the message (embedded: stored; external: PUBACK received). */
  publish(topic: string, payload: Buffer): Promise<void>;
  /** Removes the retained message of a topic (a zero-byte retained publish). */
  clear(topic: string): Promise<void>;
  /** Ready to publish: listening (embedded) or connected (external). */
  ready(): boolean;
  /** Gateways connected now; undefined when the broker cannot tell. */
  connectedGateways(): ReadonlySet<string> | undefined;
  /** Disconnects the gateway's sessions whose credentials no longer hold (token rotated, gateway deleted). */
  revalidate(gatewayIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
