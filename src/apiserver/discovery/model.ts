// The discovery view of the served resources: one entry per resource and served version,
// grouped and ordered the way kube-apiserver lists them.
import { createHash } from 'node:crypto';
import { type ResourceDef, type Subresource, servedVerbs } from '../../machinery/resource';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface DiscoveredSubresource {
  name: Subresource;
  kind: GroupVersionKind;
  verbs: string[];
}

export interface DiscoveredResource {
  plural: string;
  singular: string;
  kind: GroupVersionKind;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: DiscoveredSubresource[];
  storageVersionHash?: string;
}

export interface DiscoveredVersion {
  version: string;
  resources: DiscoveredResource[];
}

export interface DiscoveredGroup {
  name: string; // '' for core
  /** Most preferred first. */
  versions: DiscoveredVersion[];
}

export interface DiscoveryOptions {
  /** metrics.k8s.io is listed only once something serves it. */
  metrics?: boolean;
}

/** Kind and verbs of each subresource as kube-apiserver reports them. */
function subresourceInfo(def: ResourceDef, version: string, sub: Subresource): DiscoveredSubresource {
  const own = (kind: string): GroupVersionKind => ({ group: def.group, version, kind });
  const core = (kind: string): GroupVersionKind => ({ group: '', version: 'v1', kind });
  switch (sub) {
    case 'status': return { name: sub, kind: own(def.kind), verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { name: sub, kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
    case 'binding': return { name: sub, kind: core('Binding'), verbs: ['create'] };
    case 'log': return { name: sub, kind: core('Pod'), verbs: ['get'] };
    case 'exec': return { name: sub, kind: core('PodExecOptions'), verbs: ['create', 'get'] };
    case 'attach': return { name: sub, kind: core('PodAttachOptions'), verbs: ['create', 'get'] };
    case 'portforward': return { name: sub, kind: core('PodPortForwardOptions'), verbs: ['create', 'get'] };
    case 'proxy':
      return { name: sub, kind: core(`${def.kind}ProxyOptions`), verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'eviction': return { name: sub, kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'ephemeralcontainers': return { name: sub, kind: own(def.kind), verbs: ['get', 'patch', 'update'] };
    case 'finalize': return { name: sub, kind: own(def.kind), verbs: ['update'] };
    case 'token': return { name: sub, kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
  }
}

/** Upstream's storage version hash: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** Kubernetes version priority: GA > beta > alpha, then higher major, then higher minor. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) {
    const d = (rb[i] ?? 0) - (ra[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

function metricsGroup(): DiscoveredGroup {
  const res = (plural: string, singular: string, kind: string, namespaced: boolean): DiscoveredResource => ({
    plural, singular, namespaced, kind: { group: 'metrics.k8s.io', version: 'v1beta1', kind },
    verbs: ['get', 'list'], shortNames: [], categories: [], subresources: [],
  });
  return {
    name: 'metrics.k8s.io',
    versions: [{ version: 'v1beta1', resources: [res('nodes', '', 'NodeMetrics', false), res('pods', '', 'PodMetrics', true)] }],
  };
}

/** Groups (core first, then by name) with versions in preference order and resources by name. */
export function discoverGroups(defs: readonly ResourceDef[], opts: DiscoveryOptions = {}): DiscoveredGroup[] {
  const byGroup = new Map<string, Map<string, DiscoveredResource[]>>();
  for (const def of defs) {
    const versions = byGroup.get(def.group) ?? new Map<string, DiscoveredResource[]>();
    byGroup.set(def.group, versions);
    const storage = def.versions[0] ?? 'v1';
    for (const version of def.versions) {
      const list = versions.get(version) ?? [];
      versions.set(version, list);
      list.push({
        plural: def.plural,
        singular: def.singular,
        kind: { group: def.group, version, kind: def.kind },
        namespaced: def.namespaced,
        verbs: servedVerbs(def),
        shortNames: def.shortNames,
        categories: def.categories,
        subresources: def.subresources.map((s) => subresourceInfo(def, version, s)),
        // Kinds with nothing stored have no storage version to hash (upstream omits it too).
        ...(def.review ? {} : { storageVersionHash: storageVersionHash(def.group, storage, def.kind) }),
      });
    }
  }
  const groups: DiscoveredGroup[] = [...byGroup].map(([name, versions]) => ({
    name,
    versions: [...versions]
      .sort(([a], [b]) => compareVersions(a, b))
      .map(([version, resources]) => ({ version, resources: resources.sort((x, y) => x.plural.localeCompare(y.plural)) })),
  }));
  if (opts.metrics) groups.push(metricsGroup());
  return groups.sort((a, b) => (a.name === '' ? -1 : b.name === '' ? 1 : a.name.localeCompare(b.name)));
}
