// Aggregated discovery (apidiscovery.k8s.io v2 / v2beta1): one document listing every resource
// of /api or of /apis, which kubectl 1.27+ fetches instead of walking each group-version.
import type { DiscoveredGroup, DiscoveredResource } from './model';

export type AggregatedVersion = 'v2' | 'v2beta1';

function resource(r: DiscoveredResource): object {
  return {
    resource: r.plural,
    responseKind: r.kind,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    ...(r.singular ? { singularResource: r.singular } : {}),
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? { subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs })) }
      : {}),
  };
}

/** APIGroupDiscoveryList for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(groups: DiscoveredGroup[], root: 'api' | 'apis', version: AggregatedVersion): object {
  const items = groups
    .filter((g) => (root === 'api' ? g.name === '' : g.name !== ''))
    .map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({ version: v.version, resources: v.resources.map(resource), freshness: 'Current' })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
