// exec/attach over WebSocket (kubectl >= 1.30 speaks v5.channel.k8s.io): channel 0 stdin, 1 stdout,
// 2 stderr, 3 status, 4 resize; v5 adds [255, channel] from the client to close a channel.
import { PassThrough } from 'node:stream';
import type WebSocket from 'ws';
import type { StreamRuntime, TerminalSize } from '../types';
import { type CommandTarget, runCommand } from './remotecommand';
import { ResizeParser } from './resize';
import { statusPayload, protocolVersion } from './status';
import { channelWriter, CLOSE_CHANNEL, decodeMessage, encodeMessage, framingOf } from './ws-channels';

export const commandProtocols = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'v3.base64.channel.k8s.io',
  'v2.base64.channel.k8s.io',
  'base64.channel.k8s.io',
];

export function serveWsCommand(ws: WebSocket, runtime: StreamRuntime, t: CommandTarget, log: (msg: string, err?: unknown) => void): void {
  const protocol = ws.protocol;
  const version = protocolVersion(protocol.replace('.base64', ''));
  const framing = framingOf(protocol.replace(/^v\d\./, ''));
  const abort = new AbortController();
  const stdin = t.opts.stdin ? new PassThrough() : undefined;
  const stdout = t.opts.stdout ? channelWriter(ws, framing, 1) : undefined;
  const stderr = t.opts.stderr ? channelWriter(ws, framing, 2) : undefined;
  const listeners: ((s: TerminalSize) => void)[] = [];
  const parser = new ResizeParser();
  // While the process reads stdin slower than the client sends, the socket is not read.
  let paused = false;
  const resume = () => {
    paused = false;
    ws.resume();
  };
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const m = decodeMessage(framing, msg, isBinary);
    if (!m) return;
    if (m.channel === CLOSE_CHANNEL && version >= 5) {
      if (m.data[0] === 0) stdin?.end();
    } else if (m.channel === 0) {
      if (stdin && !stdin.writableEnded && !stdin.write(m.data) && !paused) {
        paused = true;
        ws.pause();
        stdin.once('drain', resume);
      }
    } else if (m.channel === 4) {
      for (const size of parser.push(m.data)) for (const l of listeners) l(size);
    }
  });
  ws.on('close', () => {
    abort.abort();
    stdin?.end();
  });
  ws.on('error', () => undefined);
  // As the kubelet: an empty message on the first writable channel tells the client we are ready.
  const first = t.opts.stdout ? 1 : t.opts.stderr ? 2 : 3;
  ws.send(encodeMessage(framing, first, Buffer.alloc(0)), { binary: !framing.base64 });
  void runCommand(runtime, t, {
    ...(stdin ? { stdin } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    ...(t.opts.tty ? { onResize: (l: (s: TerminalSize) => void) => void listeners.push(l) } : {}),
    signal: abort.signal,
    finish: async (outcome) => {
      // Stdin nobody will read again must not keep the client's close frame unread.
      if (paused) resume();
      const flushed: Promise<void>[] = [];
      for (const s of [stdout, stderr]) if (s && !s.writableEnded) flushed.push(new Promise((r) => s.end(r)));
      await Promise.all(flushed);
      const payload = statusPayload(version, outcome, t.opts.command);
      if (payload && ws.readyState === ws.OPEN) {
        await new Promise<void>((r) => ws.send(encodeMessage(framing, 3, payload), { binary: !framing.base64 }, () => r()));
      }
      ws.close(1000);
    },
  }).catch((err: unknown) => {
    log('remote command failed', err);
    ws.close(1011);
  });
}
