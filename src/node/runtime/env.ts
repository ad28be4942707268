// A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom
// sources first (keys with a prefix; invalid names skipped), then env entries (value with
// $(VAR) expansion over what came before, or valueFrom configMap/secret keys, pod fields,
// resource fields). Service-link variables (FOO_SERVICE_HOST…) are not injected.
// resolveEnv is pure; fetchEnvSources reads the ConfigMaps and Secrets it names.
import type { ApiClient } from '../../machinery/client';
import { parseQuantity, milliValue, quantityValue } from '../../machinery/quantity';
import { ApiError } from '../../machinery/errors';
import type { ContainerSpec, Pod } from '../types';
import { expandVars } from '../../machinery/expand';

/** Why a container's config could not be made; becomes waiting reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

/** ConfigMap/Secret data by name; null when the object does not exist. Secret values decoded. */
export interface EnvSources {
  configMaps: Map<string, Record<string, string> | null>;
  secrets: Map<string, Record<string, string> | null>;
}

export interface EnvContext {
  hostIP: string;
  podIPs: string[];
  /** Node allocatable, used when a resourceFieldRef names a limit the container does not set. */
  nodeCpuMilli: number;
  nodeMemoryBytes: number;
}

const envNameRe = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function podField(pod: Pod, path: string, ctx: EnvContext): string {
  const m = pod.metadata;
  const sel = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sel) return (sel[1] === 'labels' ? m.labels : m.annotations)?.[sel[2] ?? ''] ?? '';
  switch (path) {
    case 'metadata.name': return m.name ?? '';
    case 'metadata.namespace': return m.namespace ?? '';
    case 'metadata.uid': return m.uid ?? '';
    case 'metadata.labels': return Object.entries(m.labels ?? {}).sort().map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations': return Object.entries(m.annotations ?? {}).sort().map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': return ctx.hostIP;
    case 'status.hostIPs': return ctx.hostIP;
    case 'status.podIP': return ctx.podIPs[0] ?? '';
    case 'status.podIPs': return ctx.podIPs.join(',');
    default: throw new ContainerConfigError(`unsupported fieldPath: ${path}; use one of metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'], spec.nodeName, status.podIP, ...`);
  }
}

function resourceField(c: ContainerSpec, ref: Obj, ctx: EnvContext): string {
  const res = str(ref['resource']) ?? '';
  const divisor = parseQuantity(str(ref['divisor']) ?? (typeof ref['divisor'] === 'number' ? String(ref['divisor']) : '1'));
  const [kind, name] = res.split('.', 2) as [string, string];
  const table = (kind === 'limits' ? c.resources?.limits : c.resources?.requests) ?? {};
  const q = table[name] ?? (kind === 'requests' ? c.resources?.limits?.[name] : undefined);
  if (name === 'cpu') {
    const milli = q !== undefined ? Number(milliValue(parseQuantity(q))) : kind === 'limits' ? ctx.nodeCpuMilli : 0;
    const div = Number(milliValue(divisor)) || 1000;
    return String(Math.ceil(milli / div));
  }
  if (name === 'memory' || name === 'ephemeral-storage') {
    const bytes = q !== undefined ? Number(quantityValue(parseQuantity(q))) : kind === 'limits' ? ctx.nodeMemoryBytes : 0;
    const div = Number(quantityValue(divisor)) || 1;
    return String(Math.ceil(bytes / div));
  }
  throw new ContainerConfigError(`unsupported container resource: ${res}; use limits.cpu, limits.memory, requests.cpu or requests.memory`);
}

function keyRef(kind: 'ConfigMap' | 'Secret', sources: Map<string, Record<string, string> | null>, ref: Obj, ns: string): string | undefined {
  const name = str(ref['name']) ?? '';
  const key = str(ref['key']) ?? '';
  const optional = ref['optional'] === true;
  const data = sources.get(name);
  if (!data) {
    if (optional) return undefined;
    throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
  }
  const v = data[key];
  if (v === undefined) {
    if (optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${key} in ${kind} ${ns}/${name}`);
  }
  return v;
}

/** The container's env, in the order the process sees it (later duplicates replace earlier ones). */
export function resolveEnv(pod: Pod, c: ContainerSpec, sources: EnvSources, ctx: EnvContext): [string, string][] {
  const ns = pod.metadata.namespace ?? 'default';
  const out = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const prefix = str(from['prefix']) ?? '';
    const cm = obj(from['configMapRef']);
    const sec = obj(from['secretRef']);
    const isCm = from['configMapRef'] !== undefined;
    const ref = isCm ? cm : sec;
    const name = str(ref['name']) ?? '';
    const data = (isCm ? sources.configMaps : sources.secrets).get(name);
    if (!data) {
      if (ref['optional'] === true) continue;
      throw new ContainerConfigError(`${isCm ? 'configmap' : 'secret'} "${name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const key = prefix + k;
      if (envNameRe.test(key)) out.set(key, v);
    }
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom === undefined) {
      out.set(e.name, expandVars(e.value ?? '', (n) => out.get(n)));
      continue;
    }
    const vf = e.valueFrom;
    let v: string | undefined;
    if (vf['configMapKeyRef']) v = keyRef('ConfigMap', sources.configMaps, obj(vf['configMapKeyRef']), ns);
    else if (vf['secretKeyRef']) v = keyRef('Secret', sources.secrets, obj(vf['secretKeyRef']), ns);
    else if (vf['fieldRef']) v = podField(pod, str(obj(vf['fieldRef'])['fieldPath']) ?? '', ctx);
    else if (vf['resourceFieldRef']) v = resourceField(c, obj(vf['resourceFieldRef']), ctx);
    if (v !== undefined) out.set(e.name, v);
  }
  return [...out];
}

/** Names of the ConfigMaps and Secrets a container's env refers to. */
export function envSourceNames(c: ContainerSpec): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const f of c.envFrom ?? []) {
    if (f['configMapRef']) configMaps.add(str(obj(f['configMapRef'])['name']) ?? '');
    if (f['secretRef']) secrets.add(str(obj(f['secretRef'])['name']) ?? '');
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom ?? {};
    if (vf['configMapKeyRef']) configMaps.add(str(obj(vf['configMapKeyRef'])['name']) ?? '');
    if (vf['secretKeyRef']) secrets.add(str(obj(vf['secretKeyRef'])['name']) ?? '');
  }
  return { configMaps, secrets };
}

/** Reads what envSourceNames lists (missing objects become null). */
export async function fetchEnvSources(client: ApiClient, pod: Pod, c: ContainerSpec): Promise<EnvSources> {
  const ns = pod.metadata.namespace ?? 'default';
  const names = envSourceNames(c);
  const get = async (plural: string, name: string): Promise<Record<string, string> | null> => {
    try {
      const o = await client.get({ group: '', version: 'v1', plural }, ns, name);
      const data = obj(o['data']) as Record<string, string>;
      if (plural !== 'secrets') return { ...data };
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return null;
      throw err;
    }
  };
  const configMaps = new Map<string, Record<string, string> | null>();
  const secrets = new Map<string, Record<string, string> | null>();
  for (const n of names.configMaps) configMaps.set(n, await get('configmaps', n));
  for (const n of names.secrets) secrets.set(n, await get('secrets', n));
  return { configMaps, secrets };
}
