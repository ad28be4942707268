// Every resource the API server serves.
import type { ResourceDef } from '../resource';
import { coreResources } from './core';
import { storageAppsResources } from './storage-apps';

export const allResources: ResourceDef[] = [...coreResources, ...storageAppsResources];
