// Who may do what: the answers kube-apiserver's authorizer chain (privileged group, then RBAC with
// the default bootstrap policy) gives. Pure functions over a policy table, so more users and
// roles can be added as data. The self reviews (SelfSubjectAccessReview, SelfSubjectRulesReview)
// are the only callers for now; request authorization still lives in apiserver/auth.ts.

export interface Subject {
  name: string;
  groups: readonly string[];
}

/** authorization.k8s.io/v1 ResourceAttributes; "" and absent mean the same, "*" means all. */
export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export type AccessRequest = { resource: ResourceAttributes } | { nonResource: NonResourceAttributes };

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface ClusterRole {
  name: string;
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
}

/** A ClusterRoleBinding to groups (Berth has no users of its own to bind). */
export interface GroupBinding {
  name: string;
  role: ClusterRole;
  groups: string[];
}

export interface Policy {
  /** Members of these groups may do anything, without consulting the bindings (upstream's superuser). */
  privilegedGroups: string[];
  /** In name order, as upstream's rule resolver lists them. */
  bindings: GroupBinding[];
}

export interface Decision {
  allowed: boolean;
  denied: boolean;
  reason: string;
}

export interface Rules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
}

const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

// The bootstrap ClusterRoles kube-apiserver creates (plugin/pkg/auth/authorizer/rbac/bootstrappolicy).
const clusterAdmin: ClusterRole = {
  name: 'cluster-admin',
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
};
const basicUser: ClusterRole = {
  name: 'system:basic-user',
  resourceRules: [
    { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  ],
  nonResourceRules: [],
};
const discovery: ClusterRole = {
  name: 'system:discovery',
  resourceRules: [],
  nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }],
};
const publicInfoViewer: ClusterRole = {
  name: 'system:public-info-viewer',
  resourceRules: [],
  nonResourceRules: [{ verbs: ['get'], nonResourceURLs: PUBLIC_INFO_URLS }],
};

/** Upstream's default policy: system:masters is the superuser group; the rest is bootstrap RBAC. */
export const DEFAULT_POLICY: Policy = {
  privilegedGroups: ['system:masters'],
  bindings: [
    { name: 'cluster-admin', role: clusterAdmin, groups: ['system:masters'] },
    { name: 'system:basic-user', role: basicUser, groups: ['system:authenticated'] },
    { name: 'system:discovery', role: discovery, groups: ['system:authenticated'] },
    { name: 'system:public-info-viewer', role: publicInfoViewer, groups: ['system:authenticated', 'system:unauthenticated'] },
  ],
};

const has = (list: readonly string[], v: string): boolean => list.includes('*') || list.includes(v);

function resourceMatches(rule: ResourceRule, a: ResourceAttributes): boolean {
  if (!has(rule.verbs, a.verb ?? '') || !has(rule.apiGroups, a.group ?? '')) return false;
  const sub = a.subresource ?? '';
  const combined = sub ? `${a.resource ?? ''}/${sub}` : (a.resource ?? '');
  const resourceOk = rule.resources.some((r) => r === '*' || r === combined || (sub !== '' && r === `*/${sub}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name ?? '');
}

function nonResourceMatches(rule: NonResourceRule, a: NonResourceAttributes): boolean {
  if (!has(rule.verbs, a.verb ?? '')) return false;
  const path = a.path ?? '';
  // A trailing * matches any path with that prefix; nothing else is a wildcard.
  return rule.nonResourceURLs.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

function bindingsFor(user: Subject, policy: Policy): GroupBinding[] {
  return policy.bindings.filter((b) => b.groups.some((g) => user.groups.includes(g)));
}

/** Whether `user` may make the request; the reason is what upstream's authorizer says. */
export function authorize(user: Subject, req: AccessRequest, policy: Policy = DEFAULT_POLICY): Decision {
  // The privileged-group authorizer runs first and gives no reason.
  if (user.groups.some((g) => policy.privilegedGroups.includes(g))) return { allowed: true, denied: false, reason: '' };
  for (const b of bindingsFor(user, policy)) {
    const ok = 'resource' in req
      ? b.role.resourceRules.some((r) => resourceMatches(r, req.resource))
      : b.role.nonResourceRules.some((r) => nonResourceMatches(r, req.nonResource));
    if (ok) {
      const group = b.groups.find((g) => user.groups.includes(g)) ?? '';
      return { allowed: true, denied: false, reason: `RBAC: allowed by ClusterRoleBinding "${b.name}" of ClusterRole "${b.role.name}" to Group "${group}"` };
    }
  }
  // RBAC never denies: no rule is "no opinion", which the review reports as not allowed, not denied.
  return { allowed: false, denied: false, reason: '' };
}

/**
 * The rules `user` holds in `namespace`: every rule of every binding that applies, as RBAC's rule
 * resolver lists them (cluster-wide bindings apply in every namespace).
 */
export function rulesFor(user: Subject, _namespace: string, policy: Policy = DEFAULT_POLICY): Rules {
  const bindings = bindingsFor(user, policy);
  return {
    resourceRules: bindings.flatMap((b) => structuredClone(b.role.resourceRules)),
    nonResourceRules: bindings.flatMap((b) => structuredClone(b.role.nonResourceRules)),
    incomplete: false,
  };
}
