// The server side of a SPDY/3.1 connection as Kubernetes clients (moby/spdystream) use it: the
// client opens every stream, the server replies at once and then both sides send DATA. Flow
// control windows are not enforced in either direction, as spdystream does not send or honour
// WINDOW_UPDATE; instead the transport stops being read while any stream's reader lags behind,
// and frames go out only as fast as the transport takes them.
import { Duplex } from 'node:stream';
import { ControlType, controlStreamId, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FLAG_UNIDIRECTIONAL, type Frame, FrameReader, frames, headerBlockOffset, RstStatus } from './frames';
import { HeaderCodec } from './zlib-context';

/** Where the session's bytes go: a TLS socket, or a WebSocket tunnel. */
export interface SpdyTransport {
  /** false when the transport buffers beyond its limit: the session then waits for `drained`. */
  write(b: Buffer): boolean | void;
  end(): void;
  /** Stops and restarts delivery of the peer's bytes while a stream's reader is behind. */
  pause?(): void;
  resume?(): void;
  /** Resolves once buffered output is written (or the transport is gone). */
  drained?(): Promise<void>;
}

/** GOAWAY status codes (draft 3, section 2.6.6). */
const GoAwayStatus = { ProtocolError: 1 } as const;

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
    // After FIN, _read is not called again: the end of reading releases the session instead.
    this.once('end', () => session.release(this));
  }

  override _read(): void {
    this.session.release(this);
  }

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
    this.session.release(this);
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
    if (this.remoteClosed || this.destroyed) return;
    // A full buffer means our reader is behind: the session stops reading the peer until it catches up.
    if (payload.length > 0 && !this.push(payload)) this.session.hold(this);
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
  private readonly reader = new FrameReader();
  /** Streams whose readers are behind; the transport stays paused while any is. */
  private readonly held = new Set<number>();
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
    if (this.closed) return;
    let got: Frame[];
    try {
      got = this.reader.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const f of got) this.inChain = this.inChain.then(() => this.handle(f)).catch((err: unknown) => this.fail(err));
  }

  /** The transport ended or broke: every stream is gone. */
  transportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.held.clear();
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

  hold(s: SpdyStream): void {
    if (this.closed || this.held.has(s.id)) return;
    this.held.add(s.id);
    if (this.held.size === 1) this.transport.pause?.();
  }

  release(s: SpdyStream): void {
    if (this.held.delete(s.id) && this.held.size === 0 && !this.closed) this.transport.resume?.();
  }

  forgetIfDone(s: SpdyStream): void {
    if (s.done) this.streams.delete(s.id);
  }

  private enqueue(build: () => Promise<Buffer>): Promise<void> {
    const p = this.outChain.then(async () => {
      if (this.closed) throw new Error('the SPDY connection is closed');
      if (this.transport.write(await build()) === false) await this.transport.drained?.();
    });
    this.outChain = p.catch(() => undefined);
    return p;
  }

  /** Ends the connection at once: GOAWAY with PROTOCOL_ERROR, then the transport ends. */
  private fail(err: unknown): void {
    if (this.closed) return;
    this.log?.('SPDY connection failed', err);
    this.transport.write(frames.goAway(this.lastStreamId, GoAwayStatus.ProtocolError));
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
