// A real database test image built from Debian packages: redis from `redis-tools` (its
// /usr/bin/redis-check-rdb is the multi-call redis binary; Debian's redis-server package only adds
// the link redis-server -> redis-check-rdb), the shared libraries `ldd` lists, on top of the
// busybox layer from registry.ts (for sh). The seed runs mongo:4.4, which no registry here serves,
// so the image also has a `mongod` shim: the seed's Pod manifests (command ["mongod",
// "--bind_ip_all"], the claim mounted at /data/db) run verbatim with only `image:` changed, and
// the database keeps its data in /data/db (append-only file, fsync on every write).
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildBusyboxLayout, finishLayout, run, type TestRegistry } from './registry';

/** The image a pod names (Berth pulls docker.io/library/berth-redis:7 through the test mirror). */
export const REDIS_IMAGE = 'berth-redis:7';
const REPO_TAG = 'library/berth-redis:7';
const LAYOUT_TAG = '7';

const redisBinary = '/usr/bin/redis-check-rdb';
const redisCli = '/usr/bin/redis-cli';

// The seed's arguments (--bind_ip_all) are mongod's and mean nothing to redis: dropped. Listening
// on every address stands in for --bind_ip_all; redis keeps its own port, 6379, which redis-cli in
// the same pod reaches without flags.
const MONGOD_SHIM = [
  '#!/bin/sh',
  '# Test stand-in for mongod (see test/e2e/redis-image.ts): a real database keeping its data in',
  '# /data/db, where the seed mounts its claim. The mongod arguments are ignored.',
  'exec redis-server --dir /data/db --appendonly yes --appendfsync always --bind 0.0.0.0 --protected-mode no',
  '',
].join('\n');


const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** The absolute paths `ldd` prints for a binary (its libraries and the dynamic loader). */
export function lddPaths(lddOutput: string): string[] {
  const paths = new Set<string>();
  for (const line of lddOutput.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) paths.add(m[1]);
  }
  return [...paths].sort();
}

async function requireRedisTools(): Promise<void> {
  for (const f of [redisBinary, redisCli]) {
    if (!(await exists(f))) throw new Error(`Cannot build the redis test image: ${f} is missing; run \`apt-get install -y redis-tools\``);
  }
}

/** Fills `root` with the redis layer: binaries, their libraries at the paths ldd names, the shim. */
async function buildRedisRootfs(root: string, libs: string[]): Promise<void> {
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'usr/local/bin'), { recursive: true });
  await mkdir(join(root, 'data/db'), { recursive: true });
  await chmod(root, 0o755);
  await copyFile(redisBinary, join(root, 'usr/bin/redis-check-rdb'));
  await copyFile(redisCli, join(root, 'usr/bin/redis-cli'));
  // The multi-call binary picks its role from argv[0]: run as redis-server it is the server.
  await symlink('redis-check-rdb', join(root, 'usr/bin/redis-server'));
  for (const lib of libs) {
    const dest = join(root, lib);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(await realpath(lib), dest);
    await chmod(dest, 0o755);
  }
  await writeFile(join(root, 'usr/local/bin/mongod'), MONGOD_SHIM, { mode: 0o755 });
  await chmod(join(root, 'usr/local/bin/mongod'), 0o755);
}

interface Descriptor { mediaType: string; digest: string; size: number }

/**
 * Builds (once per set of inputs; cached under the temp dir, so once per test run and machine) an
 * OCI image layout with `berth-redis:7` (ref name "7"): the busybox layer plus a redis layer.
 */
export async function buildRedisLayout(): Promise<string> {
  await requireRedisTools();
  const busybox = await buildBusyboxLayout();
  const ldd = (await run('ldd', [redisBinary])).toString() + (await run('ldd', [redisCli])).toString();
  const libs = lddPaths(ldd);
  const key = createHash('sha256');
  // Keyed by content and library paths (not ldd's text: it prints randomized load addresses).
  key.update(busybox).update(MONGOD_SHIM).update(libs.join('\n'));
  for (const f of [redisBinary, redisCli, ...libs]) key.update(await readFile(f));
  const layout = join(tmpdir(), `berth-redis-layout-${key.digest('hex').slice(0, 16)}`);
  if (await exists(join(layout, 'index.json'))) return layout;

  const work = await mkdtemp(join(tmpdir(), 'berth-redis-build-'));
  try {
    const out = join(work, 'layout');
    const blobs = join(out, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const blobPath = (dir: string, digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
    const writeBlob = async (data: Buffer) => {
      const digest = sha256(data);
      await writeFile(blobPath(out, digest), data);
      return { digest, size: data.length };
    };

    // The busybox image's layer is reused as the base layer, blob and diff_id as they are.
    const index = await readJson<{ manifests: Descriptor[] }>(join(busybox, 'index.json'));
    const baseManifestDesc = index.manifests[0];
    if (!baseManifestDesc) throw new Error(`Cannot build the redis image: ${busybox}/index.json lists no manifest; remove that directory`);
    const baseManifest = await readJson<{ config: Descriptor; layers: Descriptor[] }>(blobPath(busybox, baseManifestDesc.digest));
    const baseConfig = await readJson<{ rootfs: { diff_ids: string[] } }>(blobPath(busybox, baseManifest.config.digest));
    for (const l of baseManifest.layers) await copyFile(blobPath(busybox, l.digest), blobPath(out, l.digest));

    const rootfs = join(work, 'rootfs');
    await buildRedisRootfs(rootfs, libs);
    // Reproducible layer: sorted names, fixed owner and time.
    const tar = await run('tar', ['-C', rootfs, '--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-cf', '-', '.']);
    const layer = await writeBlob(gzipSync(tar, { level: 6 }));
    const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
    const config = await writeBlob(
      Buffer.from(
        JSON.stringify({
          created: '2024-01-01T00:00:00Z',
          architecture: arch,
          os: 'linux',
          config: {
            Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
            Cmd: ['mongod'],
            ExposedPorts: { '6379/tcp': {} },
            Volumes: { '/data/db': {} },
          },
          rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, sha256(tar)] },
          history: [
            { created: '2024-01-01T00:00:00Z', created_by: 'berth test image: busybox-static' },
            { created: '2024-01-01T00:00:00Z', created_by: `berth test image: ${redisBinary} (redis-tools) as redis-server, redis-cli, mongod shim` },
          ],
        }),
      ),
    );
    await finishLayout(out, config, [...baseManifest.layers, layer], LAYOUT_TAG);
    // Parallel tests may race to build: the first rename wins, the others use its result.
    await rename(out, layout).catch(async () => {
      if (!(await exists(join(layout, 'index.json')))) throw new Error(`Cannot cache the redis layout at ${layout}; check that the temp dir is writable`);
    });
    return layout;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds the layout (cached) and pushes it to the test registry; returns the image for pods. */
export async function pushRedisImage(registry: TestRegistry): Promise<string> {
  await registry.push(await buildRedisLayout(), LAYOUT_TAG, REPO_TAG);
  return REDIS_IMAGE;
}
