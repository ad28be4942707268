import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResizeParser } from './resize';

describe('ResizeParser', () => {
  it('reads sizes split across chunks and joined in one, dropping malformed ones', () => {
    const p = new ResizeParser();
    assert.deepEqual(p.push('{"Width":80,"Hei'), []);
    assert.deepEqual(p.push('ght":24}\n{"Width":100,"Height":30}\n{"Width":"x"}'), [{ width: 80, height: 24 }, { width: 100, height: 30 }]);
    assert.deepEqual(p.push(Buffer.from('{"Width":1,"Height":2}')), [{ width: 1, height: 2 }]);
  });
});
