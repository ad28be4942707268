// The core/v1 (and coordination.k8s.io) resources this package defines.
import type { ResourceDef } from '../resource';
import { configMapDef } from './configmap';
import { endpointsDef } from './endpoints';
import { eventDef } from './event';
import { leaseDef } from './lease';
import { namespaceDef } from './namespace';
import { nodeDef } from './node';
import { podDef } from './pod';
import { secretDef } from './secret';
import { serviceDef } from './service';
import { serviceAccountDef } from './serviceaccount';

export const coreResources: ResourceDef[] = [
  namespaceDef,
  podDef,
  serviceDef,
  endpointsDef,
  configMapDef,
  secretDef,
  serviceAccountDef,
  nodeDef,
  eventDef,
  leaseDef,
];
