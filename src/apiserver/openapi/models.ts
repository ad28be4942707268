// Lazily loads dist/openapi-models.json (written by scripts/gen-openapi.mjs at build time) and
// indexes its schemas by group-version-kind. Loading at first use keeps server start fast.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { snapshotSchemas } from '../../machinery/resources/volumesnapshot-openapi';
import type { GroupVersionKind } from '../discovery/model';

export type Schema = Record<string, unknown>;

export interface Models {
  /** Upstream schema name -> OpenAPI v2-style schema ($ref '#/definitions/NAME'). */
  schemas: Record<string, Schema>;
  /** "group/version/kind" -> schema name. */
  byGvk: Map<string, string>;
}

export class ModelsMissingError extends Error {
  constructor(tried: string[]) {
    super(`OpenAPI models are not built (looked for ${tried.join(', ')}); run \`npm run build\``);
  }
}

export const gvkKey = (g: GroupVersionKind): string => `${g.group}/${g.version}/${g.kind}`;

let cached: Models | undefined;
let overridePath: string | undefined;

/** Tests point this at a fixture or at a missing file. Clears the cache. */
export function setModelsPath(path: string | undefined): void {
  overridePath = path;
  cached = undefined;
}

function candidates(): string[] {
  if (overridePath !== undefined) return [overridePath];
  // Bundled: dist/berth.mjs sits beside the JSON. From source: src/apiserver/openapi/ -> dist/.
  return [new URL('./openapi-models.json', import.meta.url), new URL('../../../dist/openapi-models.json', import.meta.url)]
    .map((u) => fileURLToPath(u));
}

export function loadModels(): Models {
  if (cached) return cached;
  const tried = candidates();
  const file = tried.find((p) => existsSync(p));
  if (file === undefined) throw new ModelsMissingError(tried);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, Schema> };
  // Kinds no generated model covers carry their own schemas.
  for (const [name, s] of Object.entries(snapshotSchemas)) parsed.schemas[name] ??= s;
  const byGvk = new Map<string, string>();
  for (const [name, s] of Object.entries(parsed.schemas)) {
    const gvks = s['x-kubernetes-group-version-kind'];
    if (Array.isArray(gvks)) for (const g of gvks as GroupVersionKind[]) byGvk.set(gvkKey(g), name);
  }
  cached = { schemas: parsed.schemas, byGvk };
  return cached;
}

/** Go package prefix upstream uses for a group's schemas. */
export function packageOf(group: string, version: string): string {
  if (group === '') return `io.k8s.api.core.${version}`;
  if (group === 'metrics.k8s.io') return `io.k8s.metrics.pkg.apis.metrics.${version}`;
  return `io.k8s.api.${group.split('.')[0] ?? group}.${version}`;
}

/**
 * Schema name for a kind, adding a permissive schema when client-node has no model for it
 * (so explain and validation still find the kind).
 */
export function schemaFor(models: Models, gvk: GroupVersionKind): string {
  const known = models.byGvk.get(gvkKey(gvk));
  if (known !== undefined) return known;
  const name = `${packageOf(gvk.group, gvk.version)}.${gvk.kind}`;
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
  const list = gvk.kind.endsWith('List');
  models.schemas[name] = {
    description: `${gvk.kind} is served by this server.`,
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: `#/definitions/${meta}${list ? 'ListMeta' : 'ObjectMeta'}` },
      ...(list
        ? { items: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }
        : { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }),
    },
    'x-kubernetes-group-version-kind': [gvk],
  };
  models.byGvk.set(gvkKey(gvk), name);
  return name;
}

/** Names reachable from `roots` through $ref, roots included. */
export function closure(models: Models, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    if (seen.has(name) || !models.schemas[name]) continue;
    seen.add(name);
    const text = JSON.stringify(models.schemas[name]);
    for (const m of text.matchAll(/"#\/definitions\/([^"]+)"/g)) if (m[1] && !seen.has(m[1])) stack.push(m[1]);
  }
  return [...seen].sort();
}
