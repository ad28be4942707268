// A bare SPDY/3.1 client for tests that need to misbehave as kubectl never would: it upgrades a
// TLS connection to the streaming server, then sends raw frames and records what comes back.
import { connect, type TLSSocket } from 'node:tls';
import { ControlType, controlFrame, encodeHeaderBlock, type Frame, FrameReader } from '../spdy/frames';
import { HeaderCodec } from '../spdy/zlib-context';

export class SpdyTestClient {
  readonly frames: Frame[] = [];
  readonly codec = new HeaderCodec();
  readonly closed: Promise<void>;
  private readonly reader = new FrameReader();

  private constructor(readonly socket: TLSSocket) {
    this.closed = new Promise((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
  }

  /** Connects and upgrades `path` (with the query) to SPDY/3.1 as `protocol`. */
  static async open(o: { port: number; ca: string; token: string; path: string; protocol: string }): Promise<SpdyTestClient> {
    const socket = connect({ host: '127.0.0.1', port: o.port, ca: o.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.write(`POST ${o.path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${o.token}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${o.protocol}\r\nContent-Length: 0\r\n\r\n`);
    let head = Buffer.alloc(0);
    const rest = await new Promise<Buffer>((resolve, reject) => {
      const onData = (b: Buffer) => {
        head = Buffer.concat([head, b]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString('latin1');
        if (!status.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${status}`));
        else resolve(head.subarray(end + 4));
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
    const c = new SpdyTestClient(socket);
    c.take(rest);
    socket.on('data', (b: Buffer) => c.take(b));
    return c;
  }

  private take(b: Buffer): void {
    this.frames.push(...this.reader.push(b));
  }

  /** A SYN_STREAM whose header block is `block` as given (already compressed). */
  static synStreamRaw(id: number, block: Buffer, flags = 0): Buffer {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt32BE(id, 0);
    return controlFrame(ControlType.SynStream, flags, Buffer.concat([fixed, block]));
  }

  async synStream(id: number, headers: Record<string, string>): Promise<void> {
    this.socket.write(SpdyTestClient.synStreamRaw(id, await this.codec.deflate(encodeHeaderBlock(headers))));
  }

  /** Writes `b`; false when the socket did not drain within `ms` (the server stopped reading). */
  async write(b: Buffer, ms: number): Promise<boolean> {
    if (this.socket.write(b)) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.off('drain', onDrain);
        resolve(false);
      }, ms);
      const onDrain = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.socket.once('drain', onDrain);
    });
  }

  close(): void {
    this.codec.close();
    this.socket.destroy();
  }
}
