// Stand-ins for the image, network and volume providers in runtime/pod tests: a busybox
// rootfs built from the host's busybox-static, namespaces made with unshare(1), emptyDirs as
// plain directories. They do the real kernel work (mounts, nsfs) so containers really run.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSpec, ImageProvider, ImageRecord, OciMount, Pod, PodNetworkProvider, SandboxNamespaces, VolumeProvider } from '../../types';
import { ImagePullError } from '../../types';
import { parseMountInfo } from '../../../storage/mountinfo';
import { isMounted } from '../overlay';

const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox';

/** A rootfs with busybox and its applets, /etc/passwd and /etc/group. */
export function makeBusyboxRootfs(dir: string): void {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'data']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin/busybox'));
  execFileSync('chmod', ['755', join(dir, 'bin/busybox')]);
  const applets = execFileSync(busybox, ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

export const busyboxRecord = (id: string): ImageRecord => ({
  id,
  repoTags: ['docker.io/library/busybox:latest'],
  repoDigests: [`docker.io/library/busybox@sha256:${'ab'.repeat(32)}`],
  size: 1,
  config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
  architecture: 'amd64',
  os: 'linux',
});

export class FakeImages implements ImageProvider {
  readonly id = `sha256:${'cd'.repeat(32)}`;
  pulls = 0;
  failWith: string | undefined;
  constructor(readonly layerDir: string) {
    if (!existsSync(join(layerDir, 'bin/busybox'))) makeBusyboxRootfs(layerDir);
  }
  async ensureImage(image: string): Promise<ImageRecord> {
    this.pulls++;
    if (this.failWith) throw new ImagePullError('ErrImagePull', this.failWith);
    if (!/^(docker\.io\/(library\/)?)?busybox(:latest)?$/.test(image)) throw new ImagePullError('ErrImagePull', `failed to pull ${image}: not found`);
    return busyboxRecord(this.id);
  }
  async layerPaths(): Promise<string[]> {
    return [this.layerDir];
  }
}

/** Persistent namespaces under a private bind mount, made by unshare(1); lo is brought up. */
export class FakeNetwork implements PodNetworkProvider {
  readonly hostIP = '127.0.0.1';
  async createNamespaces(dir: string, hostname: string): Promise<SandboxNamespaces> {
    const ns = { net: join(dir, 'net'), ipc: join(dir, 'ipc'), uts: join(dir, 'uts') };
    if (await isMounted(ns.net)) return ns;
    mkdirSync(dir, { recursive: true });
    if (!(await isMounted(dir))) {
      execFileSync('mount', ['--bind', dir, dir]);
      execFileSync('mount', ['--make-private', dir]);
    }
    for (const f of Object.values(ns)) writeFileSync(f, '');
    execFileSync('unshare', [`--net=${ns.net}`, `--ipc=${ns.ipc}`, `--uts=${ns.uts}`, busybox, 'sh', '-c', `hostname ${hostname} && ip link set lo up`]);
    return ns;
  }
  async setUp(): Promise<{ ip: string }> {
    return { ip: '127.0.0.1' };
  }
  async tearDown(_uid: string, dir: string): Promise<void> {
    for (const f of ['net', 'ipc', 'uts']) while (await isMounted(join(dir, f))) execFileSync('umount', [join(dir, f)]);
    while (await isMounted(dir)) execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** emptyDirs as plain directories under pods/<uid>/volumes/kubernetes.io~empty-dir/<name>. */
export class FakeVolumes implements VolumeProvider {
  constructor(readonly dataDir: string) {}
  private dir(uid: string, name: string): string {
    return join(this.dataDir, 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', name);
  }
  async setUp(pod: Pod): Promise<void> {
    for (const v of pod.spec.volumes ?? []) mkdirSync(this.dir(pod.metadata.uid ?? '', v.name), { recursive: true });
  }
  async containerMounts(pod: Pod, c: ContainerSpec): Promise<OciMount[]> {
    return (c.volumeMounts ?? []).map((m) => ({ destination: m.mountPath, source: this.dir(pod.metadata.uid ?? '', m.name), type: 'bind', options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] }));
  }
  async tearDown(uid: string): Promise<void> {
    rmSync(join(this.dataDir, 'pods', uid, 'volumes'), { recursive: true, force: true });
  }
}

/** Test cleanup: unmounts everything mounted under `dir` (deepest first), lazily if busy. */
export function unmountUnder(dir: string): void {
  const text = execFileSync('cat', ['/proc/self/mountinfo']).toString();
  const points = parseMountInfo(text).map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(`${dir}/`));
  for (const p of points.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', p]);
    } catch {
      // already gone
    }
  }
}
