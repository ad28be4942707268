import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHost, credentialsFor, parseChallenge } from './auth';

describe('parseChallenge', () => {
  it('reads Docker Hub’s bearer challenge', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
  });
  it('keeps commas inside quotes and reads bare values', () => {
    assert.deepEqual(parseChallenge('Bearer realm=https://r/t, scope="repository:a:pull,push"')?.params, { realm: 'https://r/t', scope: 'repository:a:pull,push' });
  });
  it('reads Basic', () => assert.equal(parseChallenge('Basic realm="registry"')?.scheme, 'basic'));
});

describe('credentialsFor', () => {
  const auths = [
    { server: 'https://index.docker.io/v1/', auth: Buffer.from('hub:pw:with:colons').toString('base64') },
    { server: '127.0.0.1:5000', username: 'u', password: 'p' },
    { server: 'https://ghcr.io', identitytoken: 'idt' },
  ];
  it('maps Docker Hub’s many names to one', () => {
    assert.equal(canonicalHost('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(canonicalHost('registry-1.docker.io'), 'docker.io');
    assert.deepEqual(credentialsFor(auths, ['docker.io']), { username: 'hub', password: 'pw:with:colons' });
  });
  it('matches hosts with ports and prefers the first host given', () => {
    assert.deepEqual(credentialsFor(auths, ['127.0.0.1:5000', 'docker.io']), { username: 'u', password: 'p' });
    assert.deepEqual(credentialsFor(auths, ['ghcr.io']), { identityToken: 'idt' });
    assert.equal(credentialsFor(auths, ['quay.io']), undefined);
  });
});
