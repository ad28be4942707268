// Test support: a scratch directory whose mounts and loop devices are all released afterwards
// (also when a test fails), and a real btrfs filesystem on a loop file to act as a pool root.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mountPointsUnder, unmount } from '../mounts';
import { isWithin } from '../paths';

const run = promisify(execFile);
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
export const sh = async (cmd: string, args: string[]): Promise<string> => (await run(cmd, args, { env: { ...process.env, PATH } })).stdout;

/** Loop devices whose backing file is below `dir` ("/dev/loop3: [..]:123 (/path)" lines). */
export async function loopsUnder(dir: string): Promise<string[]> {
  const out = await sh('losetup', ['-a']);
  return out.split('\n').flatMap((l) => {
    const m = /^(\/dev\/[^:]+): .*?\((.*)\)$/.exec(l);
    return m?.[1] && m[2] && isWithin(dir, m[2].replace(/ \(deleted\)$/, '')) ? [m[1]] : [];
  });
}

export class Scratch {
  private constructor(readonly dir: string) {}

  static async make(prefix: string): Promise<Scratch> {
    return new Scratch(await realpath(await mkdtemp(join(tmpdir(), prefix))));
  }

  /** A fresh btrfs filesystem mounted at <dir>/<name>. */
  async btrfs(name: string, sizeBytes = 512n << 20n): Promise<string> {
    const img = join(this.dir, `${name}.btrfs.img`);
    await writeFile(img, '');
    await truncate(img, Number(sizeBytes));
    await sh('mkfs.btrfs', ['-q', img]);
    const mnt = join(this.dir, name);
    await mkdir(mnt);
    await sh('mount', ['-t', 'btrfs', '-o', 'loop', img, mnt]);
    return mnt;
  }

  /** Unmounts everything below, detaches every loop device backed by a file below, removes. */
  async cleanup(): Promise<void> {
    for (const p of await mountPointsUnder(this.dir)) {
      await sh('fsfreeze', ['-u', p]).catch(() => undefined);
      await unmount(p).catch(() => sh('umount', ['-l', p]));
    }
    for (const dev of await loopsUnder(this.dir)) await sh('losetup', ['-d', dev]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
