// A SPDY session's transport over a raw (TLS) socket or inside a WebSocket tunnel, with the
// session's flow control mapped onto each: pause/resume reading, and waiting for written bytes.
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { SpdyTransport } from './session';

/** A peer that does not close after our GOAWAY and FIN is cut off after this long. */
const lingerMs = 5_000;

/** Resolves at the first of `events` on `emitter`. */
function first(emitter: Duplex, events: string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const e of events) emitter.off(e, done);
      resolve();
    };
    for (const e of events) emitter.on(e, done);
  });
}

export function socketTransport(socket: Duplex): SpdyTransport {
  return {
    write: (b) => socket.write(b),
    end: () => {
      socket.end();
      setTimeout(() => socket.destroy(), lingerMs).unref();
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    drained: () => (socket.destroyed || socket.writableLength === 0 ? Promise.resolve() : first(socket, ['drain', 'close'])),
  };
}

/** Bytes handed to the WebSocket but not yet written out before writers wait. */
const wsHighWater = 1 << 20;

export function webSocketTransport(ws: WebSocket): SpdyTransport {
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  ws.on('close', wake);
  return {
    write: (b) => {
      if (ws.readyState !== ws.OPEN) return true;
      inFlight += b.length;
      ws.send(b, { binary: true }, () => {
        inFlight -= b.length;
        if (inFlight <= wsHighWater) wake();
      });
      return inFlight <= wsHighWater;
    },
    end: () => ws.close(1000),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    drained: () => (inFlight <= wsHighWater || ws.readyState !== ws.OPEN ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
  };
}
