// Writes a payload into a volume directory so readers see either the old or the new set of
// files, never a mix (the kubelet's AtomicWriter layout):
//   dir/..2026_11_28_06_00_00.AbC123/<files>   one timestamped directory per version
//   dir/..data -> ..2026_11_28_06_00_00.AbC123  switched by rename(2), which is atomic
//   dir/<top-level name> -> ..data/<top-level name>   what users see
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { payloadPathError } from './paths';
import type { Payload } from './payload';

const DATA = '..data';
const DATA_TMP = '..data_tmp';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "..2026_11_28_06_00_00." — the prefix of a version directory (UTC). */
export function versionDirPrefix(now: Date): string {
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

const topLevel = (paths: Iterable<string>) => new Set([...paths].map((p) => p.split('/')[0] ?? p));

/** Regular files below `dir` as relative path → absolute path (symlinks are not followed). */
async function filesIn(dir: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await filesIn(join(dir, e.name), rel)) out.set(k, v);
    else if (e.isFile()) out.set(rel, join(dir, e.name));
  }
  return out;
}

async function sameContent(versionDir: string, payload: Payload): Promise<boolean> {
  const files = await filesIn(versionDir);
  if (files.size !== payload.size) return false;
  for (const [rel, want] of payload) {
    const p = files.get(rel);
    if (!p) return false;
    if (((await stat(p)).mode & 0o777) !== want.mode) return false;
    if (!(await readFile(p)).equals(want.data)) return false;
  }
  return true;
}

async function currentVersion(dir: string): Promise<string | undefined> {
  try {
    const v = await readlink(join(dir, DATA));
    return v.startsWith('..') && !v.includes('/') ? v : undefined;
  } catch {
    return undefined;
  }
}

async function linkVisible(dir: string, names: Set<string>): Promise<void> {
  for (const name of names) {
    const p = join(dir, name);
    const want = `${DATA}/${name}`;
    const st = await lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink() && (await readlink(p)) === want) continue;
    if (st && !st.isSymbolicLink()) throw new Error(`Cannot project ${name}: ${p} exists and is not the writer's symlink; remove it`);
    if (st) await unlink(p);
    await symlink(want, p);
  }
}

/**
 * Puts `payload` in `dir` atomically. Returns false when the volume already held exactly this
 * payload (nothing is rewritten then), true after a switch to a new version.
 */
export async function writeAtomically(dir: string, payload: Payload, now: Date): Promise<boolean> {
  for (const p of payload.keys()) {
    const err = payloadPathError(p);
    if (err) throw new Error(err);
  }
  await mkdir(dir, { recursive: true });
  const old = await currentVersion(dir);
  const oldPaths = old ? await filesIn(join(dir, old)).then((m) => [...m.keys()], () => []) : [];
  if (old && (await sameContent(join(dir, old), payload).catch(() => false))) {
    await linkVisible(dir, topLevel(payload.keys()));
    return false;
  }

  const version = await mkdtemp(join(dir, versionDirPrefix(now)));
  await chmod(version, 0o755);
  for (const [rel, f] of payload) {
    const p = join(version, rel);
    await mkdir(dirname(p), { recursive: true, mode: 0o755 });
    await writeFile(p, f.data, { mode: f.mode });
    await chmod(p, f.mode); // the process umask must not change the requested mode
  }

  const tmp = join(dir, DATA_TMP);
  await rm(tmp, { force: true });
  await symlink(basename(version), tmp);
  await rename(tmp, join(dir, DATA));

  const now_ = topLevel(payload.keys());
  await linkVisible(dir, now_);
  for (const name of topLevel(oldPaths)) {
    if (now_.has(name)) continue;
    const p = join(dir, name);
    if ((await lstat(p).catch(() => undefined))?.isSymbolicLink()) await unlink(p);
  }
  // Old versions, including ones left by a crash between the steps above.
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') && name !== DATA && name !== basename(version) && /^\.\.\d{4}_/.test(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
  return true;
}
