// Reads a small file of an image's rootfs (e.g. /etc/passwd) from the host without trusting the
// image: symlinks are resolved as if the rootfs were `/` (absolute targets and `..` stay inside
// it), the final open refuses a symlink and never blocks, and only a regular file is read, up to
// a cap. An image whose /etc/passwd points at a FIFO, /dev/zero or the host's /etc/shadow must not
// hang the agent, eat its memory or leak host data.
import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Linux's own limit on symlinks followed during one lookup. */
const maxLinks = 40;
export const maxRootfsFileBytes = 1 << 20;

/**
 * The host path of `path` inside `rootfs`, with every symlink on the way resolved relative to
 * the rootfs; components that do not exist are kept as they are. Throws on a symlink loop.
 */
export async function resolveInRootfs(rootfs: string, path: string): Promise<string> {
  const done: string[] = [];
  let todo = path.split('/').filter((p) => p !== '' && p !== '.');
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '..') {
      done.pop(); // clamped at the rootfs
      continue;
    }
    const host = join(rootfs, ...done, part);
    let st;
    try {
      st = await lstat(host);
    } catch {
      // Missing: the rest cannot hold symlinks either.
      return join(rootfs, ...done, part, ...todo.filter((p) => p !== '..'));
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > maxLinks) throw new Error(`Cannot resolve ${path} in the image: more than ${maxLinks} symlinks (a loop?)`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...todo];
  }
  return join(rootfs, ...done);
}

/**
 * The text of `path` inside `rootfs`, or undefined when it is missing or not a regular file
 * (FIFO, device, directory, socket). At most `maxBytes` are read.
 */
export async function readRootfsFile(rootfs: string, path: string, maxBytes = maxRootfsFileBytes): Promise<string | undefined> {
  const host = await resolveInRootfs(rootfs, path);
  let fh;
  try {
    // O_NOFOLLOW: the last component was checked not to be a symlink; refuse one swapped in since.
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer.
    fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(maxBytes, st.size));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    await fh.close();
  }
}
