// Protobuf schema, coordination.k8s.io/v1: Lease.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const coordinationV1: SchemaPackage = {
  pkg: 'coord',
  messages: {
    Lease: '1:metadata:meta.ObjectMeta 2:spec:LeaseSpec',
    LeaseSpec: `1:holderIdentity:*s 2:leaseDurationSeconds:*i32 3:acquireTime:*MicroTime 4:renewTime:*MicroTime
      5:leaseTransitions:*i32 6:strategy:*s 7:preferredHolder:*s`,
  },
};
