// The admin kubeconfig the server writes for kubectl, plus the atomic file write the PKI and token
// files share: a reader (kubectl, the e2e harness polling for the file) never sees half a file.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KubeconfigOptions {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  caPem: string;
  token: string;
  clusterName: string;
  user: string;
  context: string;
}

/**
 * The kubeconfig text: one cluster, one token user, one context that is current. Written as
 * JSON-compatible YAML (every value quoted), so no YAML library is loaded at start-up.
 */
export function renderKubeconfig(o: KubeconfigOptions): string {
  const q = (v: string) => JSON.stringify(v);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(o.clusterName)}`,
    '  cluster:',
    `    server: ${q(o.server)}`,
    `    certificate-authority-data: ${q(Buffer.from(o.caPem).toString('base64'))}`,
    'contexts:',
    `- name: ${q(o.context)}`,
    '  context:',
    `    cluster: ${q(o.clusterName)}`,
    `    user: ${q(o.user)}`,
    `current-context: ${q(o.context)}`,
    'preferences: {}',
    'users:',
    `- name: ${q(o.user)}`,
    '  user:',
    `    token: ${q(o.token)}`,
    '',
  ].join('\n');
}

/** Writes the kubeconfig with mode 0600 (it holds the admin token), replacing any old one atomically. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  await writeFileAtomic(path, renderKubeconfig(opts), { mode: 0o600 });
}

export interface AtomicWriteOptions {
  /** File mode, applied exactly (not filtered by the umask). Default 0o644. */
  mode?: number;
  /** Only create: leave an existing file alone and return false. */
  exclusive?: boolean;
}

/**
 * Writes a temp file beside `path`, syncs it, then renames (or, for exclusive, hard-links) it into
 * place, so the target is always either the old or the complete new content.
 * Returns false only when `exclusive` is set and the file already existed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<boolean> {
  const mode = opts.mode ?? 0o644;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.exclusive) {
      // link() fails with EEXIST instead of replacing: create-if-absent without a race.
      try {
        await link(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    } else {
      await rename(tmp, path);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  await syncDir(dir);
  return true;
}

// Makes the rename itself durable across a power cut; best effort, some filesystems refuse.
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // not fatal: the data is already synced, only the directory entry might be lost
  }
}
