import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCsiDriver, type TestCsiDriver } from '../../../test/csi-driver/server';
import type { Timer } from '../../controllers/queue';
import { GrpcCsiDriver } from './grpc/driver';
import { DriverRegistry, planScan, refusal } from './registry';
import { LOCAL_DIR_DRIVER, type CsiDriver } from './types';

describe('planScan', () => {
  const m = (o: Record<string, number>) => new Map(Object.entries(o));
  const cases: [string, Record<string, number>, Record<string, number>, { removed: string[]; added: string[] }][] = [
    ['nothing known, one found', {}, { '/p/a.sock': 1 }, { removed: [], added: ['/p/a.sock'] }],
    ['unchanged', { '/p/a.sock': 1 }, { '/p/a.sock': 1 }, { removed: [], added: [] }],
    ['gone', { '/p/a.sock': 1, '/p/b.sock': 2 }, { '/p/b.sock': 2 }, { removed: ['/p/a.sock'], added: [] }],
    ['replaced (driver restarted: new inode)', { '/p/a.sock': 1 }, { '/p/a.sock': 9 }, { removed: ['/p/a.sock'], added: ['/p/a.sock'] }],
  ];
  for (const [name, known, found, want] of cases) test(name, () => assert.deepEqual(planScan(m(known), m(found)), want));
});

describe('refusal', () => {
  const builtins = new Set([LOCAL_DIR_DRIVER]);
  const externals = new Map([['csi.a', '/p/a.sock']]);
  test('a new name is accepted', () => assert.equal(refusal('csi.b', '/p/b.sock', builtins, externals), undefined));
  test('the same socket keeps its name', () => assert.equal(refusal('csi.a', '/p/a.sock', builtins, externals), undefined));
  test('a built-in name is refused with the fix', () =>
    assert.equal(
      refusal(LOCAL_DIR_DRIVER, '/p/x.sock', builtins, externals),
      `Cannot register the CSI driver on /p/x.sock: ${LOCAL_DIR_DRIVER} is a built-in driver of Berth; give the external driver another name`,
    ));
  test('a name another socket serves is refused', () => assert.match(refusal('csi.a', '/p/b.sock', builtins, externals) ?? '', /\/p\/a.sock already serves csi.a/));
});

/** A Timer whose callbacks run only when the test says so. */
function manualTimer(): Timer & { fire(): void } {
  let due: (() => void)[] = [];
  return {
    now: () => 0,
    setTimeout(fn) {
      due.push(fn);
      return () => (due = due.filter((f) => f !== fn));
    },
    fire() {
      const now = due;
      due = [];
      for (const f of now) f();
    },
  };
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DriverRegistry with real driver sockets', () => {
  let dir: string;
  const drivers: TestCsiDriver[] = [];
  const logs: { level: string; msg: string; obj: object }[] = [];
  const log = { info: (obj: object, msg: string) => logs.push({ level: 'info', msg, obj }), warn: (obj: object, msg: string) => logs.push({ level: 'warn', msg, obj }) };
  const builtin = { getPluginInfo: async () => ({ name: LOCAL_DIR_DRIVER, vendorVersion: 'builtin' }) } as unknown as CsiDriver;
  const driver = async (sock: string, name?: string) => {
    const d = await startTestCsiDriver({ socket: join(dir, 'plugins', sock), root: join(dir, `root-${sock}`), ...(name ? { name } : {}) });
    drivers.push(d);
    return d;
  };

  before(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-csi-registry-'))));
  after(async () => {
    for (const d of drivers) await d.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('sockets appear and disappear: registered by their GetPluginInfo name, removed when gone; built-in names refused', async () => {
    const timer = manualTimer();
    const reg = new DriverRegistry({ pluginDir: join(dir, 'plugins'), timer, log, watch: false });
    reg.add(LOCAL_DIR_DRIVER, builtin);
    assert.throws(() => reg.add(LOCAL_DIR_DRIVER, builtin), /one is registered under that name already/);
    const ac = new AbortController();
    const done = reg.start(ac.signal);
    await reg.ready;
    assert.deepEqual(reg.names(), [LOCAL_DIR_DRIVER]);

    const a = await driver('a.sock');
    await writeFile(join(dir, 'plugins', 'not-a-socket.sock'), '');
    assert.equal(reg.get(a.name), undefined, 'only a rescan finds it (watch is off here)');
    timer.fire();
    await until('the test driver is registered', () => reg.get(a.name) !== undefined);
    assert.deepEqual(reg.names(), [LOCAL_DIR_DRIVER, 'csi.test.berth.dev'].sort());
    assert.deepEqual(await reg.get(a.name)?.getPluginInfo(), { name: 'csi.test.berth.dev', vendorVersion: '0.1.0' });
    assert.deepEqual(reg.externals(), new Map([['csi.test.berth.dev', a.socket]]));

    const impostor = await driver('b.sock', LOCAL_DIR_DRIVER);
    const twin = await driver('c.sock');
    await reg.rescan();
    assert.equal(reg.get(LOCAL_DIR_DRIVER), builtin, 'the built-in keeps its name');
    assert.ok(logs.some((l) => l.level === 'warn' && l.msg.includes(`${impostor.socket}: ${LOCAL_DIR_DRIVER} is a built-in driver`)), JSON.stringify(logs));
    assert.ok(logs.some((l) => l.level === 'warn' && l.msg.includes(`${a.socket} already serves csi.test.berth.dev`)));
    const warnings = logs.filter((l) => l.level === 'warn').length;
    await reg.rescan();
    assert.equal(logs.filter((l) => l.level === 'warn').length, warnings, 'a refusal is logged once, not every rescan');

    await a.stop(); // removes a.sock
    await reg.rescan();
    assert.equal(reg.externals().get('csi.test.berth.dev'), twin.socket, 'the twin takes over the freed name');
    await twin.stop();
    await reg.rescan();
    assert.deepEqual(reg.names(), [LOCAL_DIR_DRIVER]);
    assert.equal(reg.get('csi.test.berth.dev'), undefined);
    assert.ok(logs.some((l) => l.msg === 'unregistered external CSI driver: its socket is gone'));

    ac.abort();
    await done;
  });

  test('fs.watch registers a new socket without waiting for the periodic rescan', async () => {
    const reg = new DriverRegistry({ pluginDir: join(dir, 'watched'), log, rescanMs: 600_000 });
    const ac = new AbortController();
    const done = reg.start(ac.signal);
    await reg.ready;
    const d = await startTestCsiDriver({ socket: join(dir, 'watched', 'w.sock'), root: join(dir, 'root-w'), name: 'csi.watched.berth.dev' });
    drivers.push(d);
    await until('the watched socket is registered', () => reg.get('csi.watched.berth.dev') !== undefined, 3000);
    await d.stop();
    await until('the watched socket is gone', () => reg.get('csi.watched.berth.dev') === undefined, 3000);
    ac.abort();
    await done;
  });

  test('a socket nobody answers on is retried quietly, and registered once a driver serves it', async () => {
    const timer = manualTimer();
    const plugins = join(dir, 'slow');
    await mkdir(plugins, { recursive: true });
    const socket = join(plugins, 'slow.sock');
    const conns: Socket[] = [];
    const mute = createServer((c) => void conns.push(c)); // accepts, never speaks HTTP/2
    await new Promise<void>((r) => mute.listen(socket, r));
    const reg = new DriverRegistry({ pluginDir: plugins, timer, log, watch: false, connect: (s) => new GrpcCsiDriver({ socket: s, identityTimeoutMs: 200 }) });
    const ac = new AbortController();
    const done = reg.start(ac.signal);
    await reg.ready;
    assert.deepEqual(reg.names(), []);
    const warned = () => logs.filter((l) => l.msg.startsWith(`Cannot identify the CSI driver on ${socket}: GetPluginInfo failed`)).length;
    assert.equal(warned(), 1);
    await reg.rescan();
    assert.equal(warned(), 1, 'the same failure is logged once');
    const closed = new Promise<void>((r) => mute.close(() => r()));
    for (const c of conns) c.destroy();
    await closed;
    const d = await startTestCsiDriver({ socket, root: join(dir, 'root-slow'), name: 'csi.slow.berth.dev' });
    drivers.push(d);
    await reg.rescan();
    assert.deepEqual(reg.names(), ['csi.slow.berth.dev']);
    ac.abort();
    await done;
  });

  test('without a plugin directory: built-ins only, ready at once', async () => {
    const reg = new DriverRegistry({ log });
    reg.add(LOCAL_DIR_DRIVER, builtin);
    const ac = new AbortController();
    const done = reg.start(ac.signal);
    await reg.ready;
    assert.deepEqual(reg.names(), [LOCAL_DIR_DRIVER]);
    ac.abort();
    await done;
  });
});
