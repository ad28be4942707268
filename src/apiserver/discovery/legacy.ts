// Unaggregated discovery documents: /api (APIVersions), /apis (APIGroupList), /apis/G (APIGroup),
// /api/v1 and /apis/G/V (APIResourceList, subresources listed as "pods/status").
import type { DiscoveredGroup, DiscoveredResource } from './model';

const gv = (group: string, version: string): string => (group === '' ? version : `${group}/${version}`);

export function apiVersions(groups: DiscoveredGroup[], serverAddress = ''): object {
  const core = groups.find((g) => g.name === '');
  return {
    kind: 'APIVersions',
    versions: core ? core.versions.map((v) => v.version) : ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroup(group: DiscoveredGroup): object {
  const versions = group.versions.map((v) => ({ groupVersion: gv(group.name, v.version), version: v.version }));
  return { name: group.name, versions, ...(versions[0] ? { preferredVersion: versions[0] } : {}) };
}

export function apiGroupList(groups: DiscoveredGroup[]): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.filter((g) => g.name !== '').map(apiGroup) };
}

function entries(r: DiscoveredResource): object[] {
  const main = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind.kind,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.storageVersionHash ? { storageVersionHash: r.storageVersionHash } : {}),
  };
  const subs = r.subresources.map((s) => ({
    name: `${r.plural}/${s.name}`,
    singularName: '',
    namespaced: r.namespaced,
    // group/version appear only when they differ from the list's own (e.g. autoscaling/v1 Scale).
    ...(s.kind.group !== r.kind.group || s.kind.version !== r.kind.version
      ? { group: s.kind.group, version: s.kind.version }
      : {}),
    kind: s.kind.kind,
    verbs: s.verbs,
  }));
  return [main, ...subs];
}

/** APIResourceList for one group-version, or undefined when it is not served. */
export function apiResourceList(groups: DiscoveredGroup[], group: string, version: string): object | undefined {
  const v = groups.find((g) => g.name === group)?.versions.find((x) => x.version === version);
  if (!v) return undefined;
  const resources = v.resources.flatMap(entries).sort((a, b) => ((a as { name: string }).name < (b as { name: string }).name ? -1 : 1));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv(group, version), resources };
}
