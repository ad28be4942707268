// The seed's "Static Persistent Volumes" and "Automative PV Creation" sections with the real
// kubectl on a real node, its manifests verbatim except: `image: mongo:4.4` becomes the redis test
// image (its `mongod` shim runs redis on /data/db; see redis-image.ts), the PV's `nfs:` source a
// hostPath directory (this kernel has no NFS client), and csi-pvc's class a Berth class. A key
// written with redis-cli survives `kubectl delete pod` + `kubectl apply -f mongo.yml`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { BLOCK_DRIVER } from '../../src/storage/csi/types';
import { type Berth, startBerth } from './harness';
import { pushRedisImage } from './redis-image';
import { startTestRegistry, type TestRegistry } from './registry';
import { seedManifests } from './seed';
import { eventually, getJson, type Kubectl, kubectlFor, rowNamed } from './util';

const [, pvPvcYaml = '', mongoNfsYaml = '', csiPvcYaml = '', mongoCsiYaml = ''] = seedManifests();

/** Replaces the one match of `re` in `text`; a seed that no longer matches fails loudly. */
function edit(text: string, re: RegExp, by: string): string {
  assert.equal(text.match(new RegExp(re.source, `${re.flags.replace('g', '')}g`))?.length, 1, `expected one ${re} in:\n${text}`);
  return text.replace(re, by);
}
const withImage = (yaml: string, image: string) => edit(yaml, /^(\s*image:\s*)mongo:4\.4[ \t]*$/m, `$1${image}`);
const withHostPath = (yaml: string, dir: string) =>
  edit(yaml, /^([ \t]*)nfs:\n\1[ \t]+path: \/exports\n\1[ \t]+server: \S+\n/m, `$1hostPath:\n$1  path: ${dir}\n$1  type: DirectoryOrCreate\n`);
const withClass = (yaml: string, cls: string) => edit(yaml, /^(\s*storageClassName:\s*)vultr-block-storage-hdd[ \t]*$/m, `$1${cls}`);
const objects = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);

/** Every file under dir (recursively) whose content includes needle. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    if ((await readFile(p)).includes(needle)) found.push(p);
  }
  return found;
}

/** Loop devices whose backing file lies under dir. */
function loopsUnder(dir: string): string[] {
  const out = spawnSync('losetup', ['--list', '--noheadings', '--raw', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((l) => l.split(' ')).filter((c) => (c[1] ?? '').startsWith(`${dir}/`)).map((c) => c[0] ?? '');
}

interface PodLite { status?: { phase?: string; containerStatuses?: { ready?: boolean }[] } }
interface ClaimLite { spec?: { volumeName?: string; storageClassName?: string }; status?: { phase?: string } }
interface VolumeLite { metadata: { annotations?: Record<string, string> }; spec?: { csi?: { driver?: string } } }

describe('seed: static and dynamic persistent volumes with a real database', { timeout: 600_000 }, () => {
  let b: Berth;
  let k: Kubectl;
  let registry: TestRegistry;
  let image = '';
  let work = '';

  before(async () => {
    registry = await startTestRegistry();
    image = await pushRedisImage(registry);
    b = await startBerth({ node: { mirror: registry.mirrorUrl } });
    k = kubectlFor(b);
    work = await mkdtemp(join(tmpdir(), 'berth-seed-storage-'));
  });
  after(async () => {
    const dataDir = b?.dataDir;
    await b?.destroy();
    await registry?.stop();
    // A failed block case may leave its loop device attached; never leak one past the test.
    if (dataDir) for (const dev of loopsUnder(dataDir)) spawnSync('losetup', ['-d', dev]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const ns = (n: string | undefined) => (n ? ['-n', n] : []);
  /** kubectl apply -f FILE, as the seed does, from a file in the work dir. */
  const applyFile = async (name: string, yaml: string, namespace?: string) => {
    const file = join(work, name);
    await writeFile(file, yaml);
    return (await k(['apply', ...ns(namespace), '-f', file], { timeoutMs: 60_000 })).stdout;
  };
  const running = async (namespace?: string) => {
    try {
      await eventually(async () => {
        const p = await getJson<PodLite>(k, ['pod', 'mongo-pod', ...ns(namespace)]);
        return p?.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === true ? true : undefined;
      }, 'mongo-pod Running and ready', 120_000);
    } catch (e) {
      // Say why: the pod's and the claims' events (an unbound claim, a failed mount, a pull error).
      const described = (await k(['describe', 'pod,pvc', ...ns(namespace)], { allowFail: true })).stdout;
      throw new Error(`${(e as Error).message}\n${described}`, { cause: e });
    }
  };
  const redisCli = async (namespace: string | undefined, ...args: string[]) => (await k(['exec', ...ns(namespace), 'mongo-pod', '--', 'redis-cli', ...args])).stdout.trim();
  /** The pod runs, and the database in it answers. */
  const databaseUp = async (namespace?: string) => {
    await running(namespace);
    await eventually(async () => ((await redisCli(namespace, 'ping')) === 'PONG' ? true : undefined), 'redis to answer PING', 60_000);
  };
  /** The seed's "Testing Persistence": write, delete the pod, re-apply mongo.yml, read. */
  const persistence = async (mongoYaml: string, namespace?: string) => {
    assert.match(await applyFile('mongo.yml', mongoYaml, namespace), /^pod\/mongo-pod created$/m);
    await databaseUp(namespace);
    const pod = await getJson<{ spec: { containers: { command?: string[] }[] } }>(k, ['pod', 'mongo-pod', ...ns(namespace)]);
    assert.deepEqual(pod?.spec.containers[0]?.command, ['mongod', '--bind_ip_all'], "the seed's command runs as written");
    assert.equal(await redisCli(namespace, 'set', 'mykey', 'This is a test'), 'OK');
    assert.match((await k(['delete', 'pod', ...ns(namespace), 'mongo-pod'], { timeoutMs: 90_000 })).stdout, /^pod "mongo-pod" deleted/m);
    assert.match(await applyFile('mongo.yml', mongoYaml, namespace), /^pod\/mongo-pod created$/m);
    await databaseUp(namespace);
    assert.equal(await redisCli(namespace, 'get', 'mykey'), 'This is a test', 'the key written before the pod was deleted');
  };
  const cleanup = async (namespace?: string) => {
    await k(['delete', 'pod', ...ns(namespace), 'mongo-pod', '--ignore-not-found', '--wait=true'], { timeoutMs: 90_000 });
    await k(['delete', 'pvc', ...ns(namespace), '--all', '--wait=true'], { timeoutMs: 90_000 });
  };

  test('the edits change only the image, the PV source and the class', () => {
    const dir = '/some/dir';
    const pvPvc = objects(withHostPath(pvPvcYaml, dir));
    const seedPvPvc = objects(pvPvcYaml);
    const pvSpec = (seedPvPvc[0]?.['spec'] ?? {}) as Record<string, unknown>;
    delete pvSpec['nfs'];
    pvSpec['hostPath'] = { path: dir, type: 'DirectoryOrCreate' };
    assert.deepEqual(pvPvc, seedPvPvc);
    for (const pod of [mongoNfsYaml, mongoCsiYaml]) {
      const seedPod = objects(pod);
      const c = ((seedPod[0]?.['spec'] as { containers: Record<string, unknown>[] }).containers[0] ?? {});
      c['image'] = 'x:1';
      assert.deepEqual(objects(withImage(pod, 'x:1')), seedPod);
    }
    const seedClaim = objects(csiPvcYaml);
    (seedClaim[0]?.['spec'] as Record<string, unknown>)['storageClassName'] = 'local-dir';
    assert.deepEqual(objects(withClass(csiPvcYaml, 'local-dir')), seedClaim);
  });

  test('static: nfs-pv (as hostPath) + nfs-pvc + mongo-pod; the key survives the pod, its files are in the PV directory', async () => {
    const dir = join(work, 'exports');
    const out = await applyFile('pv-pvc.yml', withHostPath(pvPvcYaml, dir));
    assert.match(out, /^persistentvolume\/nfs-pv created$/m);
    assert.match(out, /^persistentvolumeclaim\/nfs-pvc created$/m);
    await eventually(async () => ((await getJson<ClaimLite>(k, ['pvc', 'nfs-pvc']))?.status?.phase === 'Bound' ? true : undefined), 'nfs-pvc Bound', 60_000);
    await persistence(withImage(mongoNfsYaml, image));
    // redis appends every write to its append-only file in /data/db, i.e. the PV's directory.
    const files = await filesContaining(dir, 'This is a test');
    assert.ok(files.some((f) => f.includes('appendonlydir')), `the key is in the host directory's append-only file: ${files.join(', ')}`);
    await cleanup();
    await k(['delete', 'pv', 'nfs-pv', '--wait=true']);
  });

  for (const cls of ['local-dir', 'block']) {
    test(`dynamic: csi-pvc with storageClassName ${cls} is provisioned, Bound, and keeps the key across pod re-creation`, async () => {
      const namespace = `seed-${cls}`;
      await k(['create', 'namespace', namespace]);
      if (cls === 'block' && (await getJson(k, ['storageclass', 'block'])) === undefined) {
        // A Berth that does not install it yet: the block provisioner's class as Berth ships it.
        const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'block' }, provisioner: BLOCK_DRIVER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', allowVolumeExpansion: true };
        await k(['apply', '-f', '-'], { input: JSON.stringify(sc) });
      }
      const provisioner = (await getJson<{ provisioner: string }>(k, ['storageclass', cls]))?.provisioner ?? '';
      assert.match(await applyFile('csi-pvc.yml', withClass(csiPvcYaml, cls), namespace), /^persistentvolumeclaim\/csi-pvc created$/m);
      // A WaitForFirstConsumer class binds once the pod exists: apply both, as the seed does, then look.
      await persistence(withImage(mongoCsiYaml, image), namespace);
      const claim = await getJson<ClaimLite>(k, ['pvc', '-n', namespace, 'csi-pvc']);
      const pvName = claim?.spec?.volumeName ?? '';
      assert.match(pvName, /^pvc-[0-9a-f-]{36}$/);
      const tables = (await k(['get', 'pv,pvc', '-n', namespace])).stdout.split(/\n\s*\n/);
      const pv = rowNamed(tables.find((t) => t.includes('persistentvolume/')) ?? '', `persistentvolume/${pvName}`);
      assert.deepEqual(
        [pv['CAPACITY'], pv['ACCESS MODES'], pv['RECLAIM POLICY'], pv['STATUS'], pv['CLAIM'], pv['STORAGECLASS']],
        ['40Gi', 'RWO', 'Delete', 'Bound', `${namespace}/csi-pvc`, cls],
      );
      const pvc = rowNamed(tables.find((t) => t.includes('persistentvolumeclaim/')) ?? '', 'persistentvolumeclaim/csi-pvc');
      assert.deepEqual([pvc['STATUS'], pvc['VOLUME'], pvc['CAPACITY'], pvc['ACCESS MODES'], pvc['STORAGECLASS']], ['Bound', pvName, '40Gi', 'RWO', cls]);
      const volume = await getJson<VolumeLite>(k, ['pv', pvName]);
      assert.equal(volume?.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], provisioner);
      await cleanup(namespace);
      await eventually(async () => ((await getJson(k, ['pv', pvName])) === undefined ? true : undefined), `${pvName} deleted with its claim`, 60_000);
      await eventually(async () => (loopsUnder(b.dataDir).length === 0 ? true : undefined), 'no loop device left attached', 30_000);
    });
  }
});
