// Where the node keeps a CSI volume, laid out as the kubelet's csi plugin does so that tools and
// drivers written for the kubelet find familiar paths: one staging directory per volume per node,
// one publish target per pod volume, and a vol_data.json beside each saying what it holds.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const CSI_PLUGIN_DIR = 'kubernetes.io~csi';
export const RECORD_FILE = 'vol_data.json';

/** A driver name as one path segment (valid CSI names have no '/'; one would become '~', as the kubelet escapes plugin names). */
export const driverSegment = (driver: string): string => driver.replaceAll('/', '~');

/** Where the per-node directories of all CSI volumes are: <data>/plugins/kubernetes.io/csi. */
export const stagingRoot = (dataDir: string): string => join(dataDir, 'plugins', 'kubernetes.io', 'csi');

/** The per-node directory of a volume: <data>/plugins/kubernetes.io/csi/<driver>/<sha256 of handle>. */
export function stagingDir(dataDir: string, driver: string, volumeHandle: string): string {
  return join(stagingRoot(dataDir), driverSegment(driver), createHash('sha256').update(volumeHandle).digest('hex'));
}

/** NodeStageVolume's staging_target_path. */
export const stagingPath = (dataDir: string, driver: string, volumeHandle: string): string => join(stagingDir(dataDir, driver, volumeHandle), 'globalmount');

/** pods/<uid>/volumes/kubernetes.io~csi/<volume>: holds the mount target and the publish record. */
export const publishDir = (podsDir: string, podUid: string, volume: string): string => join(podsDir, podUid, 'volumes', CSI_PLUGIN_DIR, volume);

/** NodePublishVolume's target_path: a directory (mount) or a file the device is bound onto (block). */
export function publishTarget(podsDir: string, podUid: string, volume: string, block: boolean): string {
  return block ? join(podsDir, podUid, 'volumeDevices', CSI_PLUGIN_DIR, volume) : join(publishDir(podsDir, podUid, volume), 'mount');
}
