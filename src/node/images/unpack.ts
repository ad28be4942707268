// Unpacks one layer blob into a directory that overlayfs can use as a lowerdir as it is.
//
// Design: one directory per layer, keyed by the layer's diffID, holding that layer's changes in
// overlayfs's own format — an OCI whiteout `.wh.NAME` becomes a 0/0 character device NAME, and an
// opaque marker `.wh..wh..opq` becomes the xattr trusted.overlay.opaque=y on its directory. Layer
// directories then do not depend on their parents, so images sharing a layer share its directory,
// layers unpack in parallel, and layerPaths is just the list of them (top-most first).
//
// GNU tar does the extraction (ownership with --numeric-owner, modes incl. setuid, symlinks,
// hardlinks, device nodes, security.capability); it refuses `..` members and defers symlinks
// that could lead out of the directory. Node can neither mknod nor set xattrs, so the whiteout
// conversion is a second, synthetic tar extracted by GNU tar with trusted.overlay.opaque allowed.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { digesting } from './digesting';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { sniffCompression } from './manifest';
import { type TarEntry, writeTar } from './tar-writer';

const extractFlags = ['--numeric-owner', '--same-owner', '--same-permissions', '--warning=no-unknown-keyword', '--warning=no-timestamp'];

/** Runs GNU tar extracting from stdin into `dir`; resolves when it exits cleanly. */
function tarExtract(dir: string, extra: string[], input: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-x', '-f', '-', '-C', dir, ...extractFlags, ...extra], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`Cannot unpack layer: could not run tar (${err.message}); install GNU tar`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`Cannot unpack layer: tar exited with ${code}: ${stderr.trim()}`))));
    pipeline(input, child.stdin).catch((err: unknown) => {
      child.kill();
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

/** The blob decompressed, whatever it was compressed with. */
async function decompressed(blob: string): Promise<{ stream: Readable; done: Promise<void> }> {
  const fh = await open(blob, 'r');
  const head = Buffer.alloc(4);
  await fh.read(head, 0, 4, 0);
  await fh.close();
  const kind = sniffCompression(head);
  if (kind === 'zstd') {
    const child = spawn('zstd', ['-dc', '--', blob], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (err) => reject(new Error(`Cannot unpack zstd layer: could not run zstd (${err.message}); install the zstd package`)));
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`Cannot unpack zstd layer: zstd exited with ${code}: ${stderr.trim()}`))));
    });
    return { stream: child.stdout, done };
  }
  const file = createReadStream(blob);
  if (kind === 'gzip') {
    const out = new PassThrough();
    const done = pipeline(file, createGunzip(), out);
    return { stream: out, done };
  }
  return { stream: file, done: Promise.resolve() };
}

/**
 * Extracts `blob` (tar, tar+gzip or tar+zstd) into the empty directory `dir` and converts its
 * whiteouts. Returns the diffID (sha256 of the uncompressed tar) and its size; throws if the
 * diffID is not `expectedDiffID`.
 */
export async function unpackLayer(blob: string, dir: string, expectedDiffID?: string): Promise<{ diffID: string; size: number }> {
  const { stream, done } = await decompressed(blob);
  const hasher = digesting();
  const xattrs = ['--xattrs', '--xattrs-include=security.capability', '--xattrs-include=user.*'];
  // pipeline (not pipe) so a decompression error ends tar's input instead of leaving it waiting.
  const feeding = pipeline(stream, hasher.stream);
  const extracting = tarExtract(dir, xattrs, hasher.stream);
  await Promise.all([done, feeding, extracting]).catch(async (err: unknown) => {
    await Promise.allSettled([done, feeding, extracting]);
    throw err;
  });
  const diffID = hasher.digest();
  if (expectedDiffID !== undefined && diffID !== expectedDiffID) {
    throw new Error(`Cannot unpack layer: its uncompressed content has digest ${diffID} but the image config says ${expectedDiffID}; the image is corrupt`);
  }
  await convertWhiteouts(dir);
  return { diffID, size: hasher.size() };
}

/** Finds OCI whiteout markers under `root` (never following symlinks). */
async function findMarkers(root: string): Promise<{ dir: string; name: string }[]> {
  const found: { dir: string; name: string }[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.name.startsWith('.wh.')) found.push({ dir: rel, name: d.name });
      else if (d.isDirectory()) await walk(child);
    }
  };
  await walk('');
  return found;
}

async function convertWhiteouts(root: string): Promise<void> {
  const markers = await findMarkers(root);
  if (markers.length === 0) return;
  const entries: TarEntry[] = [];
  for (const m of markers) {
    const markerPath = join(root, m.dir, m.name);
    await rm(markerPath, { force: true, recursive: true });
    if (m.name === '.wh..wh..opq') {
      const st = await lstat(join(root, m.dir));
      entries.push({
        name: m.dir === '' ? '.' : m.dir,
        type: 'dir',
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
        pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' },
      });
      continue;
    }
    const target = m.name.slice('.wh.'.length);
    if (target === '' || target === '.' || target === '..') continue;
    // A layer that both deletes and adds a name keeps what it adds.
    const exists = await lstat(join(root, m.dir, target)).then(
      () => true,
      () => false,
    );
    if (!exists) entries.push({ name: m.dir === '' ? target : `${m.dir}/${target}`, type: 'char', mode: 0, devmajor: 0, devminor: 0 });
  }
  if (entries.length === 0) return;
  // Devices first so a directory's restored mtime is the last thing touched.
  entries.sort((a, b) => (a.type === b.type ? 0 : a.type === 'char' ? -1 : 1));
  const input = new PassThrough();
  input.end(writeTar(entries));
  await tarExtract(root, ['--xattrs', '--xattrs-include=trusted.overlay.opaque'], input);
}
