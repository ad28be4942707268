import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlType, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FrameReader, FrameTooLarge, frames, maxControlFrame, parseFrames } from './frames';

describe('SPDY frames', () => {
  it('splits complete frames and keeps a partial one for later', () => {
    const bytes = Buffer.concat([frames.ping(7), dataFrame(3, FLAG_FIN, Buffer.from('abc')), frames.rst(5, 5)]);
    const first = parseFrames(bytes.subarray(0, 20));
    assert.deepEqual(first.frames.map((f) => (f.control ? `c${f.type}` : `d${f.streamId}`)), ['c6']);
    const second = parseFrames(Buffer.concat([first.rest, bytes.subarray(20)]));
    assert.equal(second.rest.length, 0);
    const [data, rst] = second.frames;
    assert.deepEqual(data, { control: false, streamId: 3, flags: FLAG_FIN, payload: Buffer.from('abc') });
    assert.equal(rst?.control && rst.type, ControlType.RstStream);
  });

  it('writes version 3 control frames with 24-bit lengths', () => {
    const f = controlFrame(ControlType.Ping, 0, Buffer.alloc(4));
    assert.deepEqual([...f.subarray(0, 8)], [0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4]);
  });

  it('header blocks round-trip with lower-cased names and the first of NUL-joined values', () => {
    const block = encodeHeaderBlock({ StreamType: 'error', port: '8080' });
    assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'error', port: '8080' });
    const multi = Buffer.concat([encodeHeaderBlock({ a: 'x\0y' })]);
    assert.deepEqual(decodeHeaderBlock(multi), { a: 'x' });
  });

  it('FrameReader assembles frames that arrive a byte at a time', () => {
    const bytes = Buffer.concat([frames.ping(7), dataFrame(3, FLAG_FIN, Buffer.from('abc')), frames.rst(5, 5)]);
    const r = new FrameReader();
    const got = [...bytes].flatMap((b) => r.push(Buffer.from([b])));
    assert.deepEqual(got.map((f) => (f.control ? `c${f.type}` : `d${f.streamId}:${f.payload.toString()}`)), ['c6', 'd3:abc', 'c3']);
  });

  it('FrameReader refuses an oversized control frame from its header, before the payload comes', () => {
    const head = controlFrame(ControlType.SynStream, 0, Buffer.alloc(0));
    head.writeUIntBE(maxControlFrame + 1, 5, 3);
    assert.throws(() => new FrameReader().push(head), FrameTooLarge);
  });
});
