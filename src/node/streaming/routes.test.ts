import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandOptions, parseRoute } from './routes';

describe('parseRoute', () => {
  const cases: [string, ReturnType<typeof parseRoute>][] = [
    ['/exec/ns/p/c', { kind: 'exec', pod: { namespace: 'ns', name: 'p' }, container: 'c' }],
    ['/exec/ns/p/uid-1/c', { kind: 'exec', pod: { namespace: 'ns', name: 'p', uid: 'uid-1' }, container: 'c' }],
    ['/attach/ns/p/c', { kind: 'attach', pod: { namespace: 'ns', name: 'p' }, container: 'c' }],
    ['/portForward/ns/p', { kind: 'portForward', pod: { namespace: 'ns', name: 'p' } }],
    ['/portForward/ns/p/uid-1', { kind: 'portForward', pod: { namespace: 'ns', name: 'p', uid: 'uid-1' } }],
    ['/containerLogs/ns/p/c', { kind: 'containerLogs', pod: { namespace: 'ns', name: 'p' }, container: 'c' }],
    ['/exec/ns/p', undefined],
    ['/containerLogs/ns/p/c/x', undefined],
    ['/run/ns/p/c', undefined],
    ['/exec/ns/p/%zz', undefined],
  ];
  for (const [path, want] of cases) it(path, () => assert.deepEqual(parseRoute(path), want));
});

describe('parseCommandOptions', () => {
  it('reads the apiserver names and the client names; a TTY drops stderr', () => {
    assert.deepEqual(parseCommandOptions(new URLSearchParams('command=sh&command=-c&command=x&input=1&output=1&error=1')), { command: ['sh', '-c', 'x'], stdin: true, stdout: true, stderr: true, tty: false });
    assert.deepEqual(parseCommandOptions(new URLSearchParams('command=sh&stdin=true&stdout=true&stderr=true&tty=true')), { command: ['sh'], stdin: true, stdout: true, stderr: false, tty: true });
  });
});
