// An in-memory CsiDriver for the snapshot controller's tests: volumes and snapshots in maps,
// CreateSnapshot idempotent by name as the spec asks, and failures a test can inject.
import { type CsiDriver, type CsiDriverRegistry, CsiError, type CsiSnapshot, type CsiVolume } from '../../storage/csi/types';

export class FakeCsiDriver implements CsiDriver {
  readonly volumes = new Map<string, bigint>();
  readonly snapshots = new Map<string, CsiSnapshot>();
  readonly calls: string[] = [];
  /** Errors the next CreateSnapshot / DeleteSnapshot calls throw, in order. */
  readonly createErrors: Error[] = [];
  readonly deleteErrors: Error[] = [];
  /** CreateSnapshot answers readyToUse false this many times per snapshot first. */
  notReadyTimes = 0;
  private readonly notReadySeen = new Map<string, number>();

  constructor(readonly name: string, private readonly nowMs: () => number = () => Date.now()) {}

  getPluginInfo() {
    return Promise.resolve({ name: this.name, vendorVersion: 'test' });
  }
  getPluginCapabilities() {
    return Promise.resolve(new Set(['CONTROLLER_SERVICE'] as const));
  }
  probe() {
    return Promise.resolve(true);
  }
  controllerGetCapabilities() {
    return Promise.resolve(new Set(['CREATE_DELETE_VOLUME', 'CREATE_DELETE_SNAPSHOT'] as const));
  }
  createVolume(): Promise<CsiVolume> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  deleteVolume(): Promise<void> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  controllerExpandVolume(): Promise<never> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }

  createSnapshot(sourceVolumeId: string, name: string, parameters: Record<string, string>): Promise<CsiSnapshot> {
    this.calls.push(`create ${sourceVolumeId} ${name} ${JSON.stringify(parameters)}`);
    const injected = this.createErrors.shift();
    if (injected) return Promise.reject(injected);
    const size = this.volumes.get(sourceVolumeId);
    if (size === undefined) return Promise.reject(new CsiError('NOT_FOUND', `volume ${sourceVolumeId} not found`));
    let snap = this.snapshots.get(name);
    if (snap && snap.sourceVolumeId !== sourceVolumeId) return Promise.reject(new CsiError('ALREADY_EXISTS', `snapshot ${name} exists for another volume`));
    snap ??= { snapshotId: `snap-${name}`, sourceVolumeId, sizeBytes: size, creationTimeMs: this.nowMs(), readyToUse: false };
    const seen = this.notReadySeen.get(name) ?? 0;
    snap = { ...snap, readyToUse: seen >= this.notReadyTimes };
    this.notReadySeen.set(name, seen + 1);
    this.snapshots.set(name, snap);
    return Promise.resolve(snap);
  }

  deleteSnapshot(snapshotId: string): Promise<void> {
    this.calls.push(`delete ${snapshotId}`);
    const injected = this.deleteErrors.shift();
    if (injected) return Promise.reject(injected);
    for (const [k, s] of this.snapshots) if (s.snapshotId === snapshotId) this.snapshots.delete(k);
    return Promise.resolve();
  }

  nodeGetCapabilities() {
    return Promise.resolve(new Set<never>());
  }
  nodeGetInfo() {
    return Promise.resolve({ nodeId: 'n', maxVolumesPerNode: 0 });
  }
  nodeStageVolume(): Promise<void> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  nodeUnstageVolume(): Promise<void> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  nodePublishVolume(): Promise<void> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  nodeUnpublishVolume(): Promise<void> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  nodeExpandVolume(): Promise<never> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
  nodeGetVolumeStats(): Promise<never> {
    return Promise.reject(new CsiError('UNIMPLEMENTED', 'not in this fake'));
  }
}

/** A registry over fixed drivers. */
export function registryOf(...drivers: FakeCsiDriver[]): CsiDriverRegistry {
  const byName = new Map(drivers.map((d) => [d.name, d]));
  return { get: (n) => byName.get(n), names: () => [...byName.keys()] };
}
