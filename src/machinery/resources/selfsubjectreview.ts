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
  // uid and extra are empty for the admin, and Go's omitempty drops them; service accounts have both.
  review(_o, user, now) {
    const extra = user.extra && Object.keys(user.extra).length > 0 ? { extra: structuredClone(user.extra) } : {};
    return {
      metadata: { creationTimestamp: rfc3339(now) },
      status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups], ...extra } },
    };
  },
  table: { columns: [nameColumn()], row: (o) => [o.metadata.name ?? ''] },
};
