// Protobuf schema, authorization.k8s.io/v1: the self reviews kubectl auth can-i creates.
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const authorizationV1: SchemaPackage = {
  pkg: 'authz',
  messages: {
    SelfSubjectAccessReview: '1:metadata:meta.ObjectMeta 2:spec:SelfSubjectAccessReviewSpec! 3:status:SubjectAccessReviewStatus',
    SelfSubjectAccessReviewSpec: '1:resourceAttributes:*ResourceAttributes 2:nonResourceAttributes:*NonResourceAttributes',
    ResourceAttributes: `1:namespace:s 2:verb:s 3:group:s 4:version:s 5:resource:s 6:subresource:s 7:name:s
      8:fieldSelector:*FieldSelectorAttributes 9:labelSelector:*LabelSelectorAttributes`,
    FieldSelectorAttributes: '1:rawSelector:s 2:requirements:[]meta.FieldSelectorRequirement',
    LabelSelectorAttributes: '1:rawSelector:s 2:requirements:[]meta.LabelSelectorRequirement',
    NonResourceAttributes: '1:path:s 2:verb:s',
    // Go order (allowed, denied, reason, evaluationError) differs from the field numbers.
    SubjectAccessReviewStatus: '1:allowed:b! 4:denied:b 2:reason:s 3:evaluationError:s',
    SelfSubjectRulesReview: '1:metadata:meta.ObjectMeta 2:spec:SelfSubjectRulesReviewSpec! 3:status:SubjectRulesReviewStatus',
    SelfSubjectRulesReviewSpec: '1:namespace:s',
    SubjectRulesReviewStatus: '1:resourceRules:[]ResourceRule! 2:nonResourceRules:[]NonResourceRule! 3:incomplete:b! 4:evaluationError:s',
    ResourceRule: '1:verbs:[]s! 2:apiGroups:[]s 3:resources:[]s 4:resourceNames:[]s',
    NonResourceRule: '1:verbs:[]s! 2:nonResourceURLs:[]s',
  },
};
