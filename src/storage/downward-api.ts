// downwardAPI volumes: pod metadata (fieldRef) and container resources (resourceFieldRef) as
// files, formatted as the kubelet formats them.
import { milliValue, parseQuantityValue, quantityValue } from '../machinery/quantity';
import type { Pod } from '../node/types';
import { goQuote } from './go-quote';
import { payloadPathError } from './paths';
import { DEFAULT_FILE_MODE, type Payload, modeOf } from './payload';

export interface DownwardItem {
  path?: unknown;
  mode?: unknown;
  fieldRef?: { fieldPath?: unknown };
  resourceFieldRef?: { containerName?: unknown; resource?: unknown; divisor?: unknown };
}

/** What limits default to when a container sets none: the node's allocatable. */
export interface NodeAllocatable {
  cpuMillis: bigint;
  memoryBytes: bigint;
  ephemeralStorageBytes: bigint;
}

/** Labels/annotations as sorted key="value" lines (no trailing newline). */
export function formatMap(m: Record<string, unknown> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(String(m?.[k] ?? ''))}`)
    .join('\n');
}

const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/;

export function fieldValue(pod: Pod, fieldPath: string): string {
  const md = pod.metadata;
  switch (fieldPath) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.annotations':
      return formatMap(md.annotations);
  }
  const m = subscript.exec(fieldPath);
  if (m) {
    const map = (m[1] === 'labels' ? md.labels : md.annotations) ?? {};
    return map[m[2] ?? ''] ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}; a downwardAPI volume supports metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations and metadata.labels['KEY']/metadata.annotations['KEY']`);
}

const ceilDiv = (a: bigint, b: bigint) => (b <= 0n ? a : (a + b - 1n) / b);

export function resourceValue(pod: Pod, ref: NonNullable<DownwardItem['resourceFieldRef']>, node: NodeAllocatable): string {
  const cname = typeof ref.containerName === 'string' ? ref.containerName : '';
  const c = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === cname);
  if (!c) throw new Error(`resourceFieldRef: container "${cname}" not found in the pod; name one of its containers in containerName`);
  const resource = typeof ref.resource === 'string' ? ref.resource : '';
  const [kind, name] = resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new Error(`unsupported container resource: ${resource}`);
  const set = c.resources?.[kind]?.[name];
  const divisor = ref.divisor === undefined || ref.divisor === null || ref.divisor === '' ? undefined : parseQuantityValue(ref.divisor);
  if (name === 'cpu') {
    const v = set !== undefined ? milliValue(parseQuantityValue(set)) : kind === 'limits' ? node.cpuMillis : 0n;
    return String(ceilDiv(v, divisor ? milliValue(divisor) : 1000n));
  }
  if (name === 'memory' || name === 'ephemeral-storage') {
    const fallback = name === 'memory' ? node.memoryBytes : node.ephemeralStorageBytes;
    const v = set !== undefined ? quantityValue(parseQuantityValue(set)) : kind === 'limits' ? fallback : 0n;
    return String(ceilDiv(v, divisor ? quantityValue(divisor) : 1n));
  }
  throw new Error(`unsupported container resource: ${resource}`);
}

export function downwardPayload(pod: Pod, items: DownwardItem[] | undefined, defaultMode: number | undefined, node: NodeAllocatable): Payload {
  const out: Payload = new Map();
  const mode0 = modeOf(defaultMode, DEFAULT_FILE_MODE);
  for (const it of items ?? []) {
    const path = typeof it.path === 'string' ? it.path : '';
    const err = payloadPathError(path);
    if (err) throw new Error(err);
    let text: string;
    if (it.fieldRef) text = fieldValue(pod, typeof it.fieldRef.fieldPath === 'string' ? it.fieldRef.fieldPath : '');
    else if (it.resourceFieldRef) text = resourceValue(pod, it.resourceFieldRef, node);
    else throw new Error(`downwardAPI item "${path}" needs a fieldRef or a resourceFieldRef`);
    out.set(path, { data: Buffer.from(text, 'utf8'), mode: modeOf(it.mode, mode0) });
  }
  return out;
}
