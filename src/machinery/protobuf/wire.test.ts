import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Reader, WireError, WireType } from './wire';

const r = (...bytes: number[]): Reader => new Reader(Uint8Array.from(bytes));
const ff9 = Array<number>(9).fill(0xff);

describe('wire reader: values', () => {
  const cases: [string, () => unknown, unknown][] = [
    ['one-byte varint', () => r(0x05).varint(), 5n],
    ['multi-byte varint', () => r(0x96, 0x01).varint(), 150n],
    ['max uint64', () => r(...ff9, 0x01).uint64(), 2n ** 64n - 1n],
    ['int32 -1 is sign-extended to 10 bytes', () => r(...ff9, 0x01).int32(), -1],
    ['int64 -2', () => r(0xfe, ...ff9.slice(1), 0x01).int64(), -2n],
    ['uint32 keeps the low 32 bits', () => r(0xff, 0xff, 0xff, 0xff, 0x1f).uint32(), 0xffffffff],
    ['bool', () => r(0x01).bool(), true],
    ['fixed32', () => r(0x01, 0x00, 0x00, 0x80).fixed32(), 0x80000001],
    ['fixed64', () => r(1, 0, 0, 0, 0, 0, 0, 0x80).fixed64(), 0x8000000000000001n],
    ['double', () => r(...new Uint8Array(Float64Array.of(1.5).buffer)).double(), 1.5],
    ['float', () => r(...new Uint8Array(Float32Array.of(-2.25).buffer)).float(), -2.25],
    ['string', () => r(0x02, 0x68, 0x69).string(), 'hi'],
    ['invalid UTF-8 becomes U+FFFD (as Go JSON writes it)', () => r(0x01, 0xff).string(), '\uFFFD'],
    ['empty bytes', () => r(0x00).bytes().length, 0],
    ['packed varints', () => r(0x03, 0x01, 0x96, 0x01).packed((x) => x.int32()), [1, 150]],
    ['empty packed run', () => r(0x00).packed((x) => x.int32()), []],
    ['tag', () => { const t = r(0x0a).tag(); return [t.field, t.wire]; }, [1, WireType.Bytes]],
    ['largest field number', () => r(0xf8, 0xff, 0xff, 0xff, 0x0f).tag().field, 2 ** 29 - 1],
  ];
  for (const [name, run, want] of cases) test(name, () => assert.deepEqual(run(), want));
});

describe('wire reader: malformed input is a WireError, never a crash or hang', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['empty varint', () => r().varint(), /^truncated varint at offset 0$/],
    ['truncated varint', () => r(0x80, 0x80).varint(), /truncated varint at offset 0/],
    ['varint over 64 bits', () => r(...ff9, 0x02).varint(), /varint overflows 64 bits/],
    ['11-byte varint', () => r(...Array<number>(10).fill(0x80), 0x01).varint(), /overflows 64 bits/],
    ['field number 0', () => r(0x02).tag(), /invalid field number 0/],
    ['field number past 2^29-1', () => r(0x80, 0x80, 0x80, 0x80, 0x10).tag(), /invalid field number/],
    ['wire type 6', () => r(0x0e).tag(), /invalid wire type 6 for field 1/],
    ['wire type 7', () => r(0x0f).tag(), /invalid wire type 7/],
    ['length past the end', () => r(0x05, 0x61).bytes(), /length 5 runs past the end of the message \(1 bytes left\)/],
    ['huge length', () => r(...ff9, 0x01).bytes(), /runs past the end/],
    ['truncated fixed32', () => r(0x01, 0x02).fixed32(), /truncated fixed32: need 4 bytes, have 2/],
    ['truncated fixed64', () => r(1, 2, 3).fixed64(), /truncated fixed64/],
    ['truncated double', () => r(1).double(), /truncated double/],
    ['packed run cut inside an element', () => r(0x02, 0x01, 0x96, 0x01).packed((x) => x.int32()), /truncated varint at offset 2/],
    ['packed length past the end', () => r(0x04, 0x01).packed((x) => x.int32()), /runs past the end/],
    ['skip: unterminated group', () => { const x = r(0x0b); x.skip(x.tag()); }, /unterminated group for field 1/],
    ['skip: mismatched end-group', () => { const x = r(0x0b, 0x14); x.skip(x.tag()); }, /mismatched end-group for field 2/],
    ['skip: stray end-group', () => { const x = r(0x0c); x.skip(x.tag()); }, /unexpected end-group for field 1/],
    ['skip: groups nested too deeply', () => { const x = r(...Array<number>(100).fill(0x0b)); x.skip(x.tag()); }, /nested too deeply/],
    ['skip: truncated fixed64 value', () => { const x = r(0x09, 0x01); x.skip(x.tag()); }, /truncated fixed64/],
  ];
  for (const [name, run, want] of cases) {
    test(name, () => assert.throws(run, (err: unknown) => err instanceof WireError && want.test(err.message)));
  }
});

describe('wire reader: skipping', () => {
  test('skips every wire type and lands on the next field', () => {
    // f1 varint, f2 fixed64, f3 bytes, f4 group{f1 varint}, f5 fixed32, then f6 varint 7
    const x = r(0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x01, 0x61, 0x23, 0x08, 0x01, 0x24,
      0x2d, 1, 2, 3, 4, 0x30, 0x07);
    for (let i = 0; i < 5; i++) x.skip(x.tag());
    assert.equal(x.tag().field, 6);
    assert.equal(x.varint(), 7n);
    assert.ok(x.done());
  });
  test('a sub-reader cannot read past its message', () => {
    const x = r(0x01, 0x80, 0x01);
    const sub = x.sub();
    assert.throws(() => sub.varint(), /truncated varint/);
    assert.equal(x.pos, 2);
  });
});
