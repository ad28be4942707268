// The older WebSocket port-forward protocol (not kubectl's; other clients use it): the ports are
// fixed by `port` query parameters, port i gets data channel 2i and error channel 2i+1, and the
// server opens each channel with the port number as two little-endian bytes.
import type WebSocket from 'ws';
import type { Socket } from 'node:net';
import type { PodRef, StreamRuntime } from '../types';
import { channelWriter, decodeMessage, encodeMessage, framingOf } from './ws-channels';

export const portForwardProtocols = ['v4.channel.k8s.io', 'portforward.k8s.io', 'v4.base64.channel.k8s.io', 'base64.portforward.k8s.io'];

export function servePortForwardWs(ws: WebSocket, runtime: StreamRuntime, pod: PodRef, ports: number[], log: (msg: string, err?: unknown) => void): void {
  const framing = framingOf(ws.protocol.replace(/^v4\./, ''));
  const conns: (Socket | undefined)[] = [];
  const pending: (Buffer[] | undefined)[] = ports.map(() => []);
  // The client is not read while a reason holds: a dial in progress, or a pod port reading slower than the client sends.
  let holds = 0;
  const hold = () => {
    if (holds++ === 0) ws.pause();
  };
  const unhold = () => {
    if (--holds === 0) ws.resume();
  };
  const waiting = new Set<number>();
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(framing, channel, data), { binary: !framing.base64 });
  };
  const write = (i: number, conn: Socket, data: Buffer) => {
    if (conn.write(data) || waiting.has(i)) return;
    waiting.add(i);
    hold();
    const done = () => {
      conn.off('drain', done);
      conn.off('close', done);
      if (waiting.delete(i)) unhold();
    };
    conn.on('drain', done);
    conn.on('close', done);
  };
  ports.forEach((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    hold();
    runtime.portForward(pod, port).then(
      (conn) => {
        conns[i] = conn;
        for (const b of pending[i]?.splice(0) ?? []) write(i, conn, b);
        conn.pipe(channelWriter(ws, framing, 2 * i));
        conn.on('error', (err) => send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${pod.name}: ${err.message}`)));
        conn.on('close', () => ws.close(1000));
        unhold();
      },
      (err: unknown) => {
        const msg = `error forwarding port ${port} to pod ${pod.name}, uid ${pod.uid ?? ''}: ${err instanceof Error ? err.message : String(err)}`;
        log(msg);
        send(2 * i + 1, Buffer.from(msg));
        pending[i] = undefined;
        unhold();
      },
    );
  });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const m = decodeMessage(framing, msg, isBinary);
    if (!m || m.channel % 2 !== 0) return;
    const i = m.channel / 2;
    const conn = conns[i];
    if (conn) write(i, conn, m.data);
    // Only what was already in flight when reading paused lands here.
    else pending[i]?.push(m.data);
  });
  ws.on('close', () => {
    for (const c of conns) c?.destroy();
  });
  ws.on('error', () => undefined);
}
