// The server side of a SPDY/3.1 connection as Kubernetes clients (moby/spdystream) use it: the
// client opens every stream, the server replies at once and then both sides send DATA. Flow
// control windows are not enforced in either direction, as spdystream does not send or honour
// WINDOW_UPDATE.
import { Duplex } from 'node:stream';
import { ControlType, controlStreamId, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FLAG_UNIDIRECTIONAL, type Frame, frames, headerBlockOffset, parseFrames, RstStatus } from './frames';
import { HeaderCodec } from './zlib-context';

/** Where the session's bytes go: a TLS socket, or a WebSocket tunnel. */
export interface SpdyTransport {
  write(b: Buffer): void;
  end(): void;
}

const maxChunk = 32 * 1024;

export class SpdyStream extends Duplex {
  private localClosed = false;
  private remoteClosed = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    void this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.localClosed = true;
    void this.session.sendData(this.id, Buffer.alloc(0), true).then(() => {
      this.session.forgetIfDone(this);
      cb();
    }, cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.localClosed || !this.remoteClosed) this.session.reset(this.id);
    this.localClosed = this.remoteClosed = true;
    this.session.forgetIfDone(this);
    cb(err);
  }

  get done(): boolean {
    return this.localClosed && this.remoteClosed;
  }

  /** DATA from the peer. */
  deliver(payload: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (payload.length > 0) this.push(payload);
    if (fin) this.remoteFin();
  }

  /** RST_STREAM from the peer: nothing more goes either way, and no RST goes back. */
  peerReset(): void {
    this.localClosed = this.remoteClosed = true;
    this.destroy();
  }

  remoteFin(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.session.forgetIfDone(this);
  }
}

export class SpdySession {
  private buf: Buffer = Buffer.alloc(0);
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private inChain: Promise<void> = Promise.resolve();
  private outChain: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly transport: SpdyTransport,
    private readonly onStream: (s: SpdyStream) => void,
    private readonly log?: (msg: string, err?: unknown) => void,
  ) {}

  /** Bytes from the peer. */
  feed(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const { frames: got, rest } = parseFrames(this.buf);
    this.buf = rest;
    for (const f of got) this.inChain = this.inChain.then(() => this.handle(f)).catch((err: unknown) => this.fail(err));
  }

  /** The transport ended or broke: every stream is gone. */
  transportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.codec.close();
    for (const l of this.closeListeners.splice(0)) l();
  }

  onClose(l: () => void): void {
    if (this.closed) l();
    else this.closeListeners.push(l);
  }

  /** GOAWAY, then the transport ends once queued frames are written. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.enqueue(async () => frames.goAway(this.lastStreamId));
    this.transport.end();
    this.transportClosed();
  }

  sendData(id: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length <= maxChunk) return this.enqueue(async () => dataFrame(id, fin ? FLAG_FIN : 0, data));
    let p: Promise<void> = Promise.resolve();
    for (let off = 0; off < data.length; off += maxChunk) {
      const last = off + maxChunk >= data.length;
      p = this.enqueue(async () => dataFrame(id, last && fin ? FLAG_FIN : 0, data.subarray(off, off + maxChunk)));
    }
    return p;
  }

  reset(id: number): void {
    if (!this.closed) void this.enqueue(async () => frames.rst(id, RstStatus.Cancel)).catch(() => undefined);
  }

  forgetIfDone(s: SpdyStream): void {
    if (s.done) this.streams.delete(s.id);
  }

  private enqueue(build: () => Promise<Buffer>): Promise<void> {
    const p = this.outChain.then(async () => {
      if (this.closed) throw new Error('the SPDY connection is closed');
      this.transport.write(await build());
    });
    this.outChain = p.catch(() => undefined);
    return p;
  }

  private fail(err: unknown): void {
    this.log?.('SPDY connection failed', err);
    this.transport.end();
    this.transportClosed();
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (s) s.deliver(f.payload, (f.flags & FLAG_FIN) !== 0);
      else if (f.payload.length > 0) void this.enqueue(async () => frames.rst(f.streamId, RstStatus.InvalidStream)).catch(() => undefined);
      return;
    }
    const p = f.payload;
    switch (f.type) {
      case ControlType.SynStream: {
        const id = controlStreamId(p);
        // Header blocks must be inflated in order even for streams we refuse.
        const headers = decodeHeaderBlock(await this.codec.inflate(p.subarray(headerBlockOffset(f.type))));
        if (id === 0 || id % 2 === 0 || id <= this.lastStreamId) {
          void this.enqueue(async () => frames.rst(id, RstStatus.ProtocolError)).catch(() => undefined);
          return;
        }
        this.lastStreamId = id;
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        // Reply before anything else goes out on the stream, as the client waits for it.
        void this.enqueue(async () => frames.synReply(id, 0, await this.codec.deflate(encodeHeaderBlock({})))).catch(() => undefined);
        if (f.flags & FLAG_FIN) s.remoteFin();
        if (f.flags & FLAG_UNIDIRECTIONAL) s.end();
        this.onStream(s);
        return;
      }
      case ControlType.Headers:
      case ControlType.SynReply:
        await this.codec.inflate(p.subarray(headerBlockOffset(f.type)));
        if (f.flags & FLAG_FIN) this.streams.get(controlStreamId(p))?.remoteFin();
        return;
      case ControlType.RstStream: {
        const s = this.streams.get(controlStreamId(p));
        if (s) {
          s.peerReset();
          this.streams.delete(s.id);
        }
        return;
      }
      case ControlType.Ping:
        if (p.length >= 4) {
          const id = p.readUInt32BE(0);
          if (id % 2 === 1) void this.enqueue(async () => frames.ping(id)).catch(() => undefined);
        }
        return;
      case ControlType.GoAway:
        await this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types carry nothing we act on.
        return;
    }
  }
}
