// Port forwarding over a SPDY session (portforward.k8s.io): per forwarded connection the client
// opens an `error` and a `data` stream with the same `requestID` and `port`; bytes on the data
// stream go to that port inside the pod, failures are written as text to the error stream.
import type { Socket } from 'node:net';
import type { PodRef, StreamRuntime } from '../types';
import type { SpdyStream } from './spdy/session';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

const pairWaitMs = 30_000;

/** The stream handler for one port-forward session. */
export function portForwardHandler(runtime: StreamRuntime, pod: PodRef, log: (msg: string, err?: unknown) => void): (s: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  return (s) => {
    const type = s.headers['streamtype'];
    const port = Number(s.headers['port']);
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port < 1 || port > 65535) {
      s.destroy();
      return;
    }
    // Clients before requestID paired streams by id: the data stream follows its error stream.
    const key = s.headers['requestid'] ?? String(type === 'error' ? s.id : s.id - 2);
    let pair = pairs.get(key);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(key);
        for (const x of [pair?.error, pair?.data]) x?.destroy();
      }, pairWaitMs);
      pair = { timer };
      pairs.set(key, pair);
    }
    pair[type] = s;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(key);
      void forward(runtime, pod, port, pair.data, pair.error, log);
    }
  };
}

async function forward(runtime: StreamRuntime, pod: PodRef, port: number, data: SpdyStream, error: SpdyStream, log: (msg: string, err?: unknown) => void): Promise<void> {
  // The client never writes to the error stream; drain it so its FIN is seen.
  error.resume();
  let conn: Socket;
  try {
    conn = await runtime.portForward(pod, port);
  } catch (err) {
    const msg = `error forwarding port ${port} to pod ${pod.name}, uid ${pod.uid ?? ''}: ${err instanceof Error ? err.message : String(err)}`;
    log(msg);
    error.end(Buffer.from(msg));
    data.end();
    // Whatever the client still sends is dropped, so it cannot hold up the session's other streams.
    data.resume();
    return;
  }
  conn.on('error', (err) => {
    if (!error.writableEnded) error.end(Buffer.from(`error forwarding port ${port} to pod ${pod.name}: ${err.message}`));
    data.destroy();
  });
  data.on('error', () => conn.destroy());
  data.on('close', () => conn.destroy());
  conn.pipe(data);
  data.pipe(conn);
  conn.on('close', () => {
    if (!error.writableEnded) error.end();
    // pipe() has let go of `data`: drain it so a stream nobody reads does not pause the session.
    data.resume();
  });
}
