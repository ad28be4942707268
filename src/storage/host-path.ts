// hostPath: the host's path is mounted as is; `type` is checked (and for the *OrCreate types,
// the path created) the way the kubelet does, with its messages.
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

const statOf = (p: string) => stat(p).catch(() => undefined);

function fail(path: string, what: string): never {
  throw new Error(`hostPath type check failed: ${path} is not ${what}`);
}

function check(path: string, st: Stats | undefined, type: HostPathType): void {
  switch (type) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st?.isDirectory()) fail(path, 'a directory');
      return;
    case 'FileOrCreate':
    case 'File':
      if (!st?.isFile()) fail(path, 'a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail(path, 'a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail(path, 'a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail(path, 'a block device');
      return;
    default:
      throw new Error(`${String(type)} is an invalid volume type`);
  }
}

/** Checks (and for *OrCreate, creates) the host path; resolves to the path to mount. */
export async function setUpHostPath(src: { path?: unknown; type?: unknown }): Promise<string> {
  const path = typeof src.path === 'string' ? src.path : '';
  if (!path.startsWith('/')) throw new Error(`hostPath path "${path}" must be absolute`);
  if (path.split('/').includes('..')) throw new Error(`hostPath path "${path}" must not contain '..'`);
  const type = (typeof src.type === 'string' ? src.type : '') as HostPathType;
  if (type === '') return path; // no checks, as upstream
  const st = await statOf(path);
  if (!st && type === 'DirectoryOrCreate') {
    await mkdir(path, { recursive: true, mode: 0o755 });
    return path;
  }
  if (!st && type === 'FileOrCreate') {
    // Like upstream, the parent directory must already exist.
    const f = await open(path, 'a', 0o644).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`open ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    });
    await f.close();
    await chmod(path, 0o644);
    return path;
  }
  check(path, st, type);
  return path;
}
