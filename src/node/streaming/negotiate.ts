// Subprotocol choice: the first protocol the client offers that we speak.

/** kubectl >= 1.31 tunnels SPDY port-forwarding inside WebSocket binary messages. */
export const tunnelProtocol = 'SPDY/3.1+portforward.k8s.io';

export function negotiate(offered: string[], supported: string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

/**
 * What the tunnel protocol is called inside the `ws` package, whose RFC 6455 token check refuses
 * the '/' in the name kubectl sends; the reply header is rewritten back.
 */
export const tunnelAlias = 'spdy-3.1.portforward.k8s.io';
