// Bind mounts for the test driver's NodePublish/Unpublish, and the mount table to make them
// idempotent.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount-point fields in /proc/self/mountinfo escape space, tab, newline and backslash in octal. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mount at exactly `path` (the topmost when stacked), or undefined. */
export async function mountAt(path: string): Promise<{ readOnly: boolean } | undefined> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  let found: { readOnly: boolean } | undefined;
  for (const line of table.split('\n')) {
    const f = line.split(' ');
    if (f[4] !== undefined && unescape(f[4]) === path) found = { readOnly: (f[5] ?? '').split(',').includes('ro') };
  }
  return found;
}

export async function bindMount(source: string, target: string, readOnly: boolean): Promise<void> {
  await run('mount', ['--bind', source, target]);
  // A bind mount takes ro only on a remount.
  if (readOnly) await run('mount', ['-o', 'remount,bind,ro', target]);
}

export async function unmount(target: string): Promise<void> {
  await run('umount', [target]);
}
