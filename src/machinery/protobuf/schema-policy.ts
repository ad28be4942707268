// Protobuf schema, policy/v1: Eviction.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const policyV1: SchemaPackage = {
  pkg: 'policy',
  messages: {
    Eviction: '1:metadata:meta.ObjectMeta 2:deleteOptions:*meta.DeleteOptions',
  },
};
