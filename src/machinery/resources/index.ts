// Every resource the API server serves.
import type { ResourceDef } from '../resource';
import { selfSubjectAccessReviewDef, selfSubjectRulesReviewDef } from './access-review';
import { coreResources } from './core';
import { selfSubjectReviewDef } from './selfsubjectreview';
import { storageAppsResources } from './storage-apps';
import { snapshotResources } from './volumesnapshot-group';

/** Create-only kinds that answer questions about the requesting user and store nothing. */
const reviewResources: ResourceDef[] = [selfSubjectAccessReviewDef, selfSubjectRulesReviewDef, selfSubjectReviewDef];

export const allResources: ResourceDef[] = [...coreResources, ...storageAppsResources, ...snapshotResources, ...reviewResources];
