// Protobuf schema, storage.k8s.io/v1: StorageClass.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const storageV1: SchemaPackage = {
  pkg: 'storage',
  messages: {
    StorageClass: `1:metadata:meta.ObjectMeta 2:provisioner:s! 3:parameters:{}s 4:reclaimPolicy:*s 5:mountOptions:[]s
      6:allowVolumeExpansion:*b 7:volumeBindingMode:*s 8:allowedTopologies:[]core.TopologySelectorTerm`,
  },
};
