// exec/attach/cp through the real kubectl, the in-process apiserver's connectors and the node's
// streaming server: SPDY for kubectl 1.27-1.29, WebSocket from 1.30.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runKubectl, startCluster, type KubectlVersion, type TestCluster } from './testing/cluster';
import { kubectlInTerminal } from './testing/terminal';

const versions: { v: KubectlVersion; transport: 'spdy' | 'websocket'; protocol: string }[] = [
  { v: '1.27', transport: 'spdy', protocol: 'v4.channel.k8s.io' },
  { v: '1.29', transport: 'spdy', protocol: 'v4.channel.k8s.io' },
  { v: '1.30', transport: 'websocket', protocol: 'v5.channel.k8s.io' },
  { v: '1.33', transport: 'websocket', protocol: 'v5.channel.k8s.io' },
  { v: 'default', transport: 'websocket', protocol: 'v5.channel.k8s.io' },
];

describe('kubectl exec, attach and cp through the streaming server', () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
    await c.addPod('p1', ['c']);
    await c.addPod('two', ['a', 'b'], { main: { b: ['sh', '-c', 'while read l; do echo "got $l"; done'] } });
    await c.addPod('done', ['c'], { phase: 'Succeeded' });
  });
  after(async () => c.close());

  for (const { v, transport, protocol } of versions) {
    it(`kubectl ${v}: stdout and stderr apart, the exit code comes back (${transport})`, async () => {
      const before = c.sessions.length;
      const r = await runKubectl(c, v, ['exec', 'p1', '-c', 'c', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /^err\n/);
      assert.equal(r.code, 3);
      assert.deepEqual(c.sessions.slice(before), [{ kind: 'exec', transport, protocol }]);
    });
  }

  for (const v of ['1.27', '1.33'] as const) {
    it(`kubectl ${v}: exec -i feeds piped stdin and sees its end`, async () => {
      const r = await runKubectl(c, v, ['exec', '-i', 'p1', '-c', 'c', '--', 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello\nworld\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'HELLO\nWORLD\ndone\n');
    });

    it(`kubectl ${v}: exec -it gets a terminal that follows resizes, and its exit code`, async () => {
      const t = kubectlInTerminal(c, v, ['exec', '-it', 'p1', '-c', 'c', '--', 'sh']);
      try {
        t.write('stty size\r');
        await t.waitFor(/24 80/);
        t.mark();
        t.resize(120, 50);
        // The size reaches the shell asynchronously; ask until it shows.
        for (let i = 0; i < 20 && !/50 120/.test(t.output()); i++) {
          t.write('stty size\r');
          await new Promise((r) => setTimeout(r, 250));
        }
        await t.waitFor(/50 120/);
        t.write('exit 5\r');
        assert.equal(await t.exited, 5);
      } finally {
        t.kill();
      }
    });

    it(`kubectl ${v}: attach -i talks to the main process`, async () => {
      const r = await runKubectl(c, v, ['attach', '-i', 'two', '-c', 'b'], 'hello\n');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /got hello/);
    });

    it(`kubectl ${v}: cp copies into and out of the container`, async () => {
      const src = join(c.dir, `in-${v}`);
      await mkdir(src, { recursive: true });
      await writeFile(join(src, 'f.txt'), `payload ${v}\n`.repeat(5000));
      // The fake container's root is the cluster dir; kubectl's tar runs there.
      const into = await runKubectl(c, v, ['cp', src, `p1:copied-${v}`, '-c', 'c']);
      assert.equal(into.code, 0, into.stderr);
      assert.equal(await readFile(join(c.dir, `copied-${v}`, 'f.txt'), 'utf8'), `payload ${v}\n`.repeat(5000));
      const out = join(c.dir, `out-${v}`);
      const back = await runKubectl(c, v, ['cp', `p1:copied-${v}/f.txt`, out, '-c', 'c']);
      assert.equal(back.code, 0, back.stderr);
      assert.equal(await readFile(out, 'utf8'), `payload ${v}\n`.repeat(5000));
    });
  }

  it('an unknown container is refused by the apiserver as upstream words it', async () => {
    const r = await runKubectl(c, '1.33', ['exec', 'p1', '-c', 'nope', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container nope is not valid for pod p1/);
  });

  it('a completed pod is refused', async () => {
    const r = await runKubectl(c, '1.27', ['exec', 'done', '-c', 'c', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot exec into a container in a completed pod; current phase is Succeeded/);
  });
});

describe('the apiserver checks exec requests against the pod before it calls the node', () => {
  let c: TestCluster;
  const spdy = { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' };
  before(async () => {
    c = await startCluster();
    await c.addPod('one', ['c']);
    await c.addPod('two', ['a', 'b']);
    await c.addPod('done', ['c'], { phase: 'Succeeded' });
    await c.client.create({ group: '', version: 'v1', plural: 'pods' }, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
  });
  after(async () => c.close());

  const cases: [string, string, Record<string, string>, number, RegExp][] = [
    ['no upgrade', 'one/exec?command=true&stdout=true', {}, 400, /Upgrade request required/],
    ['no container in a two-container pod', 'two/exec?command=true&stdout=true', spdy, 400, /a container name must be specified for pod two, choose one of: \[a b\]/],
    ['an unknown container', 'one/exec?command=true&stdout=true&container=x', spdy, 400, /container x is not valid for pod one/],
    ['no command', 'one/exec?stdout=true', spdy, 400, /you must specify at least one command for the container/],
    ['no stream', 'one/exec?command=true', spdy, 400, /you must specify at least 1 of stdin, stdout, stderr/],
    ['a completed pod', 'done/exec?command=true&stdout=true', spdy, 400, /cannot exec into a container in a completed pod; current phase is Succeeded/],
    ['a pod without a node', 'unbound/exec?command=true&stdout=true', spdy, 400, /pod unbound does not have a host assigned/],
    ['a missing pod', 'nope/exec?command=true&stdout=true', spdy, 404, /pods \\"nope\\" not found/],
    ['the only container is the default', 'one/exec?command=true&stdout=true', spdy, 101, /^$/],
  ];
  for (const [name, path, headers, status, text] of cases) {
    it(name, async () => {
      const r = await c.api('POST', `/api/v1/namespaces/default/pods/${path}`, headers);
      assert.equal(r.status, status, r.text);
      assert.match(r.text, text);
    });
  }
});
