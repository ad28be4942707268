// The streaming server under hostile or slow peers, over its real TLS port: a SPDY header block
// that inflates to hundreds of MiB ends the session, and stdin sent faster than the process
// reads it stays in the client's socket rather than the server's memory (SPDY and WebSocket).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { constants, createDeflate } from 'node:zlib';
import { pino } from 'pino';
import WebSocket from 'ws';
import { ensurePki } from '../../apiserver/pki';
import { type StreamIO, type StreamRuntime, StreamTargetError } from '../types';
import { StreamingServer } from './server';
import { ControlType, dataFrame, FLAG_FIN } from './spdy/frames';
import { spdyDictionary } from './spdy/dictionary';
import { SpdyTestClient } from './testing/spdy-client';

const MiB = 1 << 20;

/** exec whose process does not read stdin until released, then counts every byte of it. */
class SlowReader implements StreamRuntime {
  stdin: Readable | undefined;
  private release!: () => void;
  private readonly released = new Promise<void>((r) => (this.release = r));
  received: Promise<number> | undefined;

  async exec(_pod: unknown, _c: string, _cmd: string[], io: StreamIO): Promise<number> {
    const stdin = io.stdin as Readable;
    this.stdin = stdin;
    this.received = this.released.then(async () => {
      let n = 0;
      for await (const chunk of stdin) n += (chunk as Buffer).length;
      return n;
    });
    await this.received;
    return 0;
  }

  letRead(): void {
    this.release();
  }

  /** What the server holds for the process: the stdin stream's buffers. */
  buffered(): number {
    const s = this.stdin as (Readable & { writableLength?: number }) | undefined;
    return (s?.readableLength ?? 0) + (s?.writableLength ?? 0);
  }

  attach(): Promise<void> {
    return Promise.reject(new StreamTargetError('BadRequest', 'no attach here'));
  }
  logFile(): Promise<string> {
    return Promise.reject(new StreamTargetError('BadRequest', 'no logs here'));
  }
  portForward(): Promise<never> {
    return Promise.reject(new StreamTargetError('BadRequest', 'no ports here'));
  }
}

/** Deflates `size` zero bytes with SPDY's dictionary as one sync-flushed header block. */
async function zlibBomb(size: number): Promise<Buffer> {
  const z = createDeflate({ dictionary: spdyDictionary, level: 9 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < size / MiB; i++) if (!z.write(zeros)) await once(z, 'drain');
  await new Promise<void>((r) => z.flush(constants.Z_SYNC_FLUSH, () => r()));
  z.close();
  return Buffer.concat(out);
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
}

describe('streaming server flow control', () => {
  let dir: string;
  let pki: Awaited<ReturnType<typeof ensurePki>>;
  const token = 'flow-token';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-flow-'));
    pki = await ensurePki(dir, { hostnames: ['localhost'], ips: ['127.0.0.1'], now: new Date() });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function serve(runtime: StreamRuntime): Promise<{ port: number; stop: () => Promise<void> }> {
    const abort = new AbortController();
    const server = new StreamingServer({ runtime, host: '127.0.0.1', port: 0, tls: { certPem: pki.certPem, keyPem: pki.keyPem }, token, log: pino({ level: 'silent' }) });
    await server.start(abort.signal);
    return { port: server.address?.port ?? 0, stop: () => server.stop() };
  }
  const execPath = '/exec/ns/p/c?command=cat&input=1&output=1';

  it('a SYN_STREAM whose headers inflate to 512 MiB gets GOAWAY and a closed connection, and memory stays bounded', async () => {
    const bomb = await zlibBomb(512 * MiB);
    assert.ok(bomb.length < 1 * MiB, `the bomb is ${bomb.length} bytes compressed`);
    const srv = await serve(new SlowReader());
    const c = await SpdyTestClient.open({ port: srv.port, ca: pki.caCertPem, token, path: execPath, protocol: 'v4.channel.k8s.io' });
    const base = process.memoryUsage();
    let peakExternal = 0;
    let peakRss = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakExternal = Math.max(peakExternal, m.arrayBuffers - base.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss - base.rss);
    }, 5);
    try {
      c.socket.write(SpdyTestClient.synStreamRaw(1, bomb));
      const closed = await Promise.race([c.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      assert.ok(closed, 'the server should close the connection');
      const goAway = c.frames.find((f) => f.control && f.type === ControlType.GoAway);
      assert.ok(goAway, `expected GOAWAY, got ${c.frames.map((f) => (f.control ? `c${f.type}` : 'd')).join(' ')}`);
      assert.equal(goAway.payload.readUInt32BE(4), 1, 'GOAWAY status PROTOCOL_ERROR');
      assert.ok(peakExternal < 64 * MiB, `buffers grew by ${peakExternal} bytes`);
      assert.ok(peakRss < 256 * MiB, `rss grew by ${peakRss} bytes`);
    } finally {
      clearInterval(sampler);
      c.close();
      await srv.stop();
    }
  });

  it('SPDY: stdin faster than the process reads waits in the client, then arrives whole', async () => {
    const runtime = new SlowReader();
    const srv = await serve(runtime);
    const c = await SpdyTestClient.open({ port: srv.port, ca: pki.caCertPem, token, path: execPath, protocol: 'v4.channel.k8s.io' });
    try {
      await c.synStream(1, { streamtype: 'error' });
      await c.synStream(3, { streamtype: 'stdin' });
      await c.synStream(5, { streamtype: 'stdout' });
      await until(() => runtime.stdin !== undefined, 5000);
      assert.ok(runtime.stdin, 'exec should start once the streams are open');
      const total = 64 * MiB;
      const piece = Buffer.alloc(32 * 1024, 0x61);
      let sent = 0;
      while (sent < total) {
        sent += piece.length;
        if (!(await c.write(dataFrame(3, 0, piece), 1500))) break;
      }
      assert.ok(sent < total, 'the server should stop reading while the process does not');
      assert.ok(runtime.buffered() <= 1 * MiB, `the server buffers ${runtime.buffered()} bytes of stdin`);
      runtime.letRead();
      if (c.socket.writableNeedDrain) await once(c.socket, 'drain');
      while (sent < total) {
        sent += piece.length;
        if (!c.socket.write(dataFrame(3, 0, piece))) await once(c.socket, 'drain');
      }
      c.socket.write(dataFrame(3, FLAG_FIN, Buffer.alloc(0)));
      assert.equal(await runtime.received, total);
    } finally {
      c.close();
      await srv.stop();
    }
  });

  it('WebSocket: stdin faster than the process reads waits in the client, then arrives whole', async () => {
    const runtime = new SlowReader();
    const srv = await serve(runtime);
    const ws = new WebSocket(`wss://127.0.0.1:${srv.port}${execPath}`, 'v5.channel.k8s.io', { ca: pki.caCertPem, headers: { authorization: `Bearer ${token}` } });
    ws.on('error', () => undefined);
    try {
      await once(ws, 'open');
      await until(() => runtime.stdin !== undefined, 5000);
      const total = 64 * MiB;
      const msg = Buffer.alloc(32 * 1024 + 1, 0x61);
      msg[0] = 0;
      let sent = 0;
      // A send completes once the bytes are in the socket; it stops completing when the server stops reading.
      let inFlight = 0;
      let stalled = false;
      while (sent < total) {
        inFlight++;
        ws.send(msg, () => inFlight--);
        sent += msg.length - 1;
        if (inFlight > 64) {
          await until(() => inFlight <= 32, 1500);
          if (inFlight > 32) {
            stalled = true;
            break;
          }
        }
      }
      assert.ok(stalled, 'the server should stop reading while the process does not');
      assert.ok(runtime.buffered() <= 1 * MiB, `the server buffers ${runtime.buffered()} bytes of stdin`);
      runtime.letRead();
      while (sent < total) {
        inFlight++;
        ws.send(msg, () => inFlight--);
        sent += msg.length - 1;
        if (inFlight > 64) await until(() => inFlight <= 32, 10_000);
      }
      ws.send(Buffer.from([255, 0]));
      assert.equal(await runtime.received, total);
    } finally {
      ws.terminate();
      await srv.stop();
    }
  });
});
