import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage, framingOf } from './ws-channels';

describe('WebSocket channel framing', () => {
  it('binary: a channel byte, then the data', () => {
    const f = framingOf('v5.channel.k8s.io');
    assert.deepEqual(encodeMessage(f, 1, Buffer.from('hi')), Buffer.from([1, 104, 105]));
    assert.deepEqual(decodeMessage(f, Buffer.from([0, 120]), true), { channel: 0, data: Buffer.from('x') });
  });
  it('base64: an ASCII digit, then base64', () => {
    const f = framingOf('base64.channel.k8s.io');
    assert.equal(encodeMessage(f, 2, Buffer.from('hi')), '2aGk=');
    assert.deepEqual(decodeMessage(f, Buffer.from('0aGk='), false), { channel: 0, data: Buffer.from('hi') });
  });
});
