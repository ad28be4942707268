// authentication.k8s.io/v1 SelfSubjectReview (kubectl auth whoami): a create-only kind answering
// with the attributes the requesting user authenticated with. Nothing is stored.
import { rfc3339 } from '../clock';
import type { ResourceDef } from '../resource';
import { nameColumn } from './common';

export const selfSubjectReviewDef: ResourceDef = {
  group: 'authentication.k8s.io',
  versions: ['v1'],
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  shortNames: [],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: false,
  verbs: ['create'],
  // Upstream ignores the body and builds a new object stamped with the time of the review;
  // uid and extra are empty for Berth's users, and Go's omitempty drops them.
  review(_o, user, now) {
    return {
      metadata: { creationTimestamp: rfc3339(now) },
      status: { userInfo: { username: user.name, groups: [...user.groups] } },
    };
  },
  table: { columns: [nameColumn()], row: (o) => [o.metadata.name ?? ''] },
};
