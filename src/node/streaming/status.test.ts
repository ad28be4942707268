import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { protocolVersion, statusPayload } from './status';

describe('remote command status', () => {
  const versions: [string, number][] = [['v5.channel.k8s.io', 5], ['v4.channel.k8s.io', 4], ['channel.k8s.io', 1], ['', 1], ['base64.channel.k8s.io', 1]];
  for (const [p, v] of versions) it(`${p || '(none)'} is v${v}`, () => assert.equal(protocolVersion(p), v));

  it('v4+: Success, or NonZeroExitCode with the code as an ExitCode cause', () => {
    assert.deepEqual(JSON.parse(String(statusPayload(4, { exitCode: 0 }))), { metadata: {}, status: 'Success' });
    const s = JSON.parse(String(statusPayload(5, { exitCode: 3 }, ['sh'])));
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.deepEqual(s.details.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(JSON.parse(String(statusPayload(4, { error: 'boom' }))).code, 500);
  });

  it('v1-v3: nothing on success, the text of a failure', () => {
    assert.equal(statusPayload(3, { exitCode: 0 }), undefined);
    assert.match(String(statusPayload(2, { exitCode: 2 }, ['false'])), /non-zero exit code/);
  });
});
