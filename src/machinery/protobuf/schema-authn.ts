// Protobuf schema, authentication.k8s.io/v1: TokenRequest (kubectl create token) and
// SelfSubjectReview (kubectl auth whoami).
// Field facts (numbers, JSON names, pointer-ness, omitempty) come from the upstream Go types; the
// notation is described in schema.ts. Fields are listed in Go struct order, which is JSON output order.
import type { SchemaPackage } from './schema';

export const authenticationV1: SchemaPackage = {
  pkg: 'authn',
  messages: {
    TokenRequest: '1:metadata:meta.ObjectMeta 2:spec:TokenRequestSpec! 3:status:TokenRequestStatus',
    TokenRequestSpec: `1:audiences:[]s! 4:expirationSeconds:*i64! 3:boundObjectRef:*BoundObjectReference!
      5:attestations:{}StrList`,
    TokenRequestStatus: '1:token:s! 2:expirationTimestamp:Time!',
    BoundObjectReference: '1:kind:s 2:apiVersion:s 3:name:s 4:uid:s',
    SelfSubjectReview: '1:metadata:meta.ObjectMeta 2:status:SelfSubjectReviewStatus',
    SelfSubjectReviewStatus: '1:userInfo:UserInfo',
    UserInfo: '1:username:s 2:uid:s 3:groups:[]s 4:extra:{}StrList',
  },
};
