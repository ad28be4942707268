// The PersistentVolume for a created CSI volume, shaped as external-provisioner writes it: a csi
// source with the driver's volume context plus the provisioner identity, the capacity the driver
// returned, node affinity from the volume's accessible topology, pre-bound to the claim, with the
// provisioned-by annotation and the provisioner's deletion finalizer.
import type { KObject } from '../../machinery/types';
import type { CsiVolume, Topology } from '../../storage/csi/types';
import { ANN_DYNAMICALLY_PROVISIONED } from '../persistentvolume/compute';
import { quantityOfBytes } from './sizes';

export const PROVISIONER_FINALIZER = 'external-provisioner.volume.kubernetes.io/finalizer';
export const PROVISIONER_IDENTITY_KEY = 'storage.kubernetes.io/csiProvisionerIdentity';
/** The deletion-secret annotations external-provisioner always writes (empty: no secrets). */
const ANN_DELETION_SECRET_NAME = 'volume.kubernetes.io/provisioner-deletion-secret-name';
const ANN_DELETION_SECRET_NAMESPACE = 'volume.kubernetes.io/provisioner-deletion-secret-namespace';

/** GenerateVolumeNodeAffinity: one term per topology, one In expression per segment. */
export function nodeAffinityOf(topologies: readonly Topology[] | undefined): Record<string, unknown> | undefined {
  const terms = (topologies ?? [])
    .filter((t) => Object.keys(t).length > 0)
    .map((t) => ({ matchExpressions: Object.entries(t).map(([key, value]) => ({ key, operator: 'In', values: [value] })) }));
  return terms.length ? { required: { nodeSelectorTerms: terms } } : undefined;
}

export interface VolumeInputs {
  claim: KObject;
  cls: KObject;
  driver: string;
  pvName: string;
  volume: CsiVolume;
  /** The capacity to record: the driver's, or the request when the driver said 0 (unknown). */
  capacityBytes: bigint;
  fsType: string;
  identity: string;
  topologyAware: boolean;
}

export function provisionedVolume(i: VolumeInputs): KObject {
  const spec = (i.claim.spec ?? {}) as { accessModes?: unknown; volumeMode?: unknown; storageClassName?: unknown };
  const block = spec.volumeMode === 'Block';
  const m = i.claim.metadata;
  const affinity = i.topologyAware ? nodeAffinityOf(i.volume.accessibleTopology) : undefined;
  const reclaim = typeof i.cls.reclaimPolicy === 'string' && i.cls.reclaimPolicy ? i.cls.reclaimPolicy : 'Delete';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: i.pvName,
      annotations: { [ANN_DYNAMICALLY_PROVISIONED]: i.driver, [ANN_DELETION_SECRET_NAME]: '', [ANN_DELETION_SECRET_NAMESPACE]: '' },
      // Upstream adds it to every new PV and drops it from Retain ones on the next pass.
      ...(reclaim === 'Delete' ? { finalizers: [PROVISIONER_FINALIZER] } : {}),
    },
    spec: {
      accessModes: spec.accessModes ?? [],
      ...(Array.isArray(i.cls.mountOptions) && i.cls.mountOptions.length ? { mountOptions: i.cls.mountOptions } : {}),
      capacity: { storage: quantityOfBytes(i.capacityBytes) },
      csi: {
        driver: i.driver,
        volumeHandle: i.volume.volumeId,
        ...(!block && i.fsType ? { fsType: i.fsType } : {}),
        volumeAttributes: { [PROVISIONER_IDENTITY_KEY]: i.identity, ...i.volume.volumeContext },
      },
      persistentVolumeReclaimPolicy: reclaim,
      storageClassName: typeof spec.storageClassName === 'string' ? spec.storageClassName : '',
      volumeMode: block ? 'Block' : 'Filesystem',
      ...(affinity ? { nodeAffinity: affinity } : {}),
      claimRef: {
        kind: 'PersistentVolumeClaim',
        namespace: m.namespace ?? '',
        name: m.name ?? '',
        uid: m.uid ?? '',
        apiVersion: 'v1',
        ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      },
    },
  };
}
