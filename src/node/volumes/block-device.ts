// The device numbers of a published block volume, for the container's device node and cgroup rule.
import { stat } from 'node:fs/promises';

/** glibc's major()/minor() for a Linux dev_t (12+20 bits split across the 64-bit value). */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

/** Major and minor of the block device at `path` (following the bind mount the driver made there). */
export async function blockDeviceNumbers(path: string): Promise<{ major: number; minor: number }> {
  const st = await stat(path, { bigint: true }).catch((e: unknown) => {
    throw new Error(`Cannot hand the block volume at ${path} to the container: ${(e as Error).message}; the volume is not published, restart the pod`, { cause: e });
  });
  if (!st.isBlockDevice()) throw new Error(`Cannot hand the block volume at ${path} to the container: it is not a block device (the driver published something else); check the CSI driver's NodePublishVolume for block volumes`);
  return splitDev(st.rdev);
}
