// Loop devices for block volumes. An image is attached at most once: `losetup -j` finds an
// existing attachment (also one made before a restart) before a new one is made.
import { runTool } from './exec';

const FIX = 'check that loop devices are available (ls /dev/loop-control; modprobe loop)';

/** Devices from `losetup -j <image>` output ("/dev/loop3: [65024]:1234 (/path/img)" lines). */
export function parseAssociations(text: string): string[] {
  return text.split('\n').map((l) => /^(\/dev\/[^:\s]+):/.exec(l)?.[1]).filter((d): d is string => d !== undefined);
}

export async function devicesOf(image: string): Promise<string[]> {
  return parseAssociations(await runTool('losetup', ['-j', image], FIX));
}

/** The loop device of `image`, attaching it when it has none. Callers serialize per image. */
export async function attach(image: string): Promise<string> {
  const existing = (await devicesOf(image))[0];
  if (existing) return existing;
  return (await runTool('losetup', ['--find', '--show', '--direct-io=on', image], FIX)).trim();
}

export async function detach(dev: string): Promise<void> {
  await runTool('losetup', ['-d', dev], `check what still holds ${dev} (lsblk ${dev}; grep ${dev} /proc/self/mountinfo) and release it`);
}

/** Makes the device see a grown backing file. */
export async function refreshSize(dev: string): Promise<void> {
  await runTool('losetup', ['-c', dev], FIX);
}

/** Writes the device's page cache to the backing file (for copying the image of a raw device). */
export async function flushBuffers(dev: string): Promise<void> {
  await runTool('blockdev', ['--flushbufs', dev]);
}

export async function deviceSize(dev: string): Promise<bigint> {
  return BigInt((await runTool('blockdev', ['--getsize64', dev])).trim());
}
