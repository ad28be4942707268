// NodeGetVolumeStats from statfs: bytes and inodes of the filesystem at the volume path, or for
// a raw block volume (a device node) just its size.
import { stat, statfs } from 'node:fs/promises';
import { deviceSize } from '../../pool/loop';
import { CsiError, type VolumeUsage } from '../types';

export async function pathUsage(path: string): Promise<VolumeUsage[]> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CsiError('NOT_FOUND', `volume path ${path} does not exist; is the volume published there?`);
    throw e;
  }
  if (st.isBlockDevice()) {
    // Usage of a raw device is unknown to the node; only its size is reported (as the spec allows).
    return [{ unit: 'BYTES', total: await deviceSize(path), used: 0n, available: 0n }];
  }
  const f = await statfs(path, { bigint: true });
  return [
    { unit: 'BYTES', total: f.blocks * f.bsize, used: (f.blocks - f.bfree) * f.bsize, available: f.bavail * f.bsize },
    { unit: 'INODES', total: f.files, used: f.files - f.ffree, available: f.ffree },
  ];
}
