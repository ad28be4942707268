// Test images from Debian packages, served by a real registry: a `busybox` image built from the
// host's busybox-static as an OCI image layout (cached under the temp dir, keyed by the binary's
// sha256), and Debian's `docker-registry` on 127.0.0.1:<free port> with that image pushed as
// library/busybox:latest — so Berth with `docker.io` mirrored to it pulls `image: busybox` through
// its real distribution code.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const busyboxBinary = '/bin/busybox';

/** Runs a command, resolving to its stdout; errors name the command, its stderr and the fix. */
export function run(cmd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`${cmd} could not start (${e.message}); install its Debian package`)));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.trim()}`))));
    child.stdin.end(input);
  });
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function writeBlob(layout: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  await writeFile(join(layout, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

async function buildRootfs(rootfs: string): Promise<void> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'dev', 'proc', 'sys', 'var', 'home']) await mkdir(join(rootfs, d), { recursive: true });
  await mkdir(join(rootfs, 'tmp'));
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await copyFile(busyboxBinary, join(rootfs, 'bin/busybox'));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  const applets = (await run(busyboxBinary, ['--list-full'])).toString().split('\n').filter((l) => l.trim() !== '');
  for (const path of applets) {
    if (path === 'bin/busybox') continue;
    await mkdir(join(rootfs, dirname(path)), { recursive: true });
    await symlink('/bin/busybox', join(rootfs, path)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  await symlink('/bin/busybox', join(rootfs, 'bin/sh')).catch(() => undefined);
  await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
}

const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

/**
 * Builds (once per busybox binary; cached under the temp dir) an OCI image layout holding
 * `busybox:latest` (ref name "latest") with one gzip layer and Cmd ["sh"]. Returns its directory.
 */
/**
 * Writes the image manifest (config + gzip layers, all blobs already in `out`), `oci-layout` and
 * an `index.json` naming it `tag`: the last step of building a test image's OCI layout.
 */
export async function finishLayout(out: string, config: { digest: string; size: number }, layers: { digest: string; size: number }[], tag: string): Promise<void> {
  const manifest = await writeBlob(
    out,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
      }),
    ),
  );
  await writeFile(join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(out, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture: arch }, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}

export async function buildBusyboxLayout(): Promise<string> {
  const key = createHash('sha256').update(await readFile(busyboxBinary)).digest('hex').slice(0, 16);
  const layout = join(tmpdir(), `berth-busybox-layout-${key}`);
  if (await stat(join(layout, 'index.json')).then(() => true, () => false)) return layout;
  const work = await mkdtemp(join(tmpdir(), 'berth-busybox-build-'));
  try {
    const rootfs = join(work, 'rootfs');
    await buildRootfs(rootfs);
    const out = join(work, 'layout');
    await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
    // Reproducible layer: sorted names, fixed owner and time.
    const tar = await run('tar', ['-C', rootfs, '--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-cf', '-', '.']);
    const layer = await writeBlob(out, gzipSync(tar, { level: 6 }));
    const config = await writeBlob(
      out,
      Buffer.from(
        JSON.stringify({
          created: '2024-01-01T00:00:00Z',
          architecture: arch,
          os: 'linux',
          config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
          rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
          history: [{ created: '2024-01-01T00:00:00Z', created_by: `berth test image from ${busyboxBinary}` }],
        }),
      ),
    );
    await finishLayout(out, config, [layer], 'latest');
    // Parallel tests may race to build: the first rename wins, the others use its result.
    await rename(out, layout).catch(async () => {
      if (!(await stat(join(layout, 'index.json')).then(() => true, () => false))) throw new Error(`Cannot cache the busybox layout at ${layout}`);
    });
    return layout;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${log()}`);
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${url}/v2/ within 15 s: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT", for a docker.io mirror. */
  mirrorUrl: string;
  /** Pushes an OCI layout's image (`oci:DIR:TAG`) as `repo:tag` (e.g. "library/busybox:1.36"); `skopeoArgs` go to `skopeo copy`. */
  push(layout: string, layoutTag: string, repoTag: string, skopeoArgs?: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry on a free port with library/busybox:latest pushed. */
export async function startTestRegistry(): Promise<TestRegistry> {
  const layout = await buildBusyboxLayout();
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), config);
  // A shell keeps the registry tied to this process: when our end of its stdin closes (stop(), or
  // this test process dying in any way) the watcher kills the registry by PID.
  const watchdog = 'exec 3<&0; docker-registry serve "$1" </dev/null & pid=$!; echo "$pid"; (cat <&3 >/dev/null; kill "$pid" 2>/dev/null) & wait "$pid"';
  const child = spawn('sh', ['-c', watchdog, 'sh', join(dir, 'config.yml')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const registryPid = new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number.parseInt(d.toString(), 10))));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin?.end();
      const pid = await registryPid;
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const push = async (from: string, layoutTag: string, repoTag: string, skopeoArgs: string[] = []): Promise<void> => {
    await run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', ...skopeoArgs, `oci:${from}:${layoutTag}`, `docker://${host}/${repoTag}`]);
  };
  try {
    await waitForRegistry(`http://${host}`, child, () => stderr);
    await push(layout, 'latest', 'library/busybox:latest');
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, mirrorUrl: `http://${host}`, push, stop };
}
