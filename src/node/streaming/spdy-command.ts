// exec/attach over SPDY/3.1 (kubectl 1.27-1.29): after the 101 the client opens one stream per
// `streamType` (error, stdin, stdout, stderr, resize); the command starts once all are there.
import type { Duplex } from 'node:stream';
import type { StreamRuntime, TerminalSize } from '../types';
import { type CommandTarget, runCommand } from './remotecommand';
import { ResizeParser } from './resize';
import { SpdySession, type SpdyStream } from './spdy/session';
import { socketTransport } from './spdy/transports';
import { statusPayload } from './status';

/** How long the client has to open its streams, as the kubelet's streamCreationTimeout. */
const streamWaitMs = 30_000;

function expectedStreams(t: CommandTarget, version: number): string[] {
  const want = ['error'];
  if (t.opts.stdin) want.push('stdin');
  if (t.opts.stdout) want.push('stdout');
  if (t.opts.stderr) want.push('stderr');
  if (t.opts.tty && version >= 3) want.push('resize');
  return want;
}

/** Starts a SPDY session on `socket` (the 101 already sent) and runs the command over it. */
export function serveSpdyCommand(socket: Duplex, runtime: StreamRuntime, t: CommandTarget, version: number, log: (msg: string, err?: unknown) => void): void {
  const want = expectedStreams(t, version);
  const got = new Map<string, SpdyStream>();
  const abort = new AbortController();
  let started = false;
  const session = new SpdySession(socketTransport(socket), (s) => {
    const type = s.headers['streamtype'] ?? '';
    if (started || !want.includes(type) || got.has(type)) {
      s.destroy();
      return;
    }
    got.set(type, s);
    if (got.size === want.length) start();
  }, log);
  socket.on('data', (b: Buffer) => session.feed(b));
  socket.on('close', () => {
    clearTimeout(timer);
    abort.abort();
    session.transportClosed();
  });
  socket.on('error', () => undefined);
  // Declared before the handlers above run: 'close' cannot fire synchronously.
  const timer: NodeJS.Timeout = setTimeout(() => {
    if (!started) {
      log(`SPDY client opened only [${[...got.keys()].join(' ')}] of [${want.join(' ')}] in ${streamWaitMs / 1000}s; closing`);
      void session.close();
    }
  }, streamWaitMs);

  function start(): void {
    started = true;
    clearTimeout(timer);
    const resize = got.get('resize');
    const listeners: ((s: TerminalSize) => void)[] = [];
    if (resize) {
      const parser = new ResizeParser();
      resize.on('data', (b: Buffer) => {
        for (const size of parser.push(b)) for (const l of listeners) l(size);
      });
    }
    const stdin = got.get('stdin');
    const stdout = got.get('stdout');
    const stderr = got.get('stderr');
    void runCommand(runtime, t, {
      ...(stdin ? { stdin } : {}),
      ...(stdout ? { stdout } : {}),
      ...(stderr ? { stderr } : {}),
      ...(resize ? { onResize: (l: (s: TerminalSize) => void) => void listeners.push(l) } : {}),
      signal: abort.signal,
      finish: async (outcome) => {
        const closing: Promise<void>[] = [];
        for (const s of [stdout, stderr]) if (s && !s.writableEnded) closing.push(new Promise((r) => s.end(r)));
        await Promise.all(closing);
        const error = got.get('error');
        const payload = statusPayload(version, outcome, t.opts.command);
        if (error) await new Promise<void>((r) => (payload ? error.end(payload, r) : error.end(r)));
        for (const s of [stdin, resize]) if (s && !s.writableEnded) s.end();
        await session.close();
      },
    }).catch((err: unknown) => {
      log('remote command failed', err);
      void session.close();
    });
  }
}
