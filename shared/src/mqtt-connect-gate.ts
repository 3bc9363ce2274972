/**
 * MQTT lets a client send packets right after CONNECT, before the CONNACK. aedes hands such a packet to its
 * authorize hooks while the CONNECT is still being checked (it calls `authenticate` a tick after `preConnect`),
 * when the broker does not yet know who the client is. A gate marks the CONNECT from `preConnect` to the end of
 * `authenticate` (or the connection's close), so a hook can wait for the outcome instead of refusing the packet.
 */
export interface ConnectGate<C extends object> {
  /** From `preConnect`: the client's CONNECT is being checked until `end` or until `conn` closes. */
  begin(client: C, conn: { once(event: 'close', listener: () => void): unknown }): void;
  /** From `authenticate`, once it has called back. */
  end(client: C): void;
  /** Runs `then` once the client's CONNECT has been decided (at once when it has been, or was never seen). */
  afterConnect(client: C, then: () => void): void;
}

export function createConnectGate<C extends object>(): ConnectGate<C> {
  const pending = new WeakMap<C, { readonly ended: Promise<void>; readonly end: () => void }>();
  return {
    begin(client, conn) {
      let end = (): void => undefined;
      const ended = new Promise<void>((resolve) => (end = resolve));
      pending.set(client, { ended, end });
      conn.once('close', end);
    },
    end(client) {
      const p = pending.get(client);
      pending.delete(client);
      p?.end();
    },
    afterConnect(client, then) {
      const p = pending.get(client);
      if (p) void p.ended.then(then);
      else then();
    },
  };
}
