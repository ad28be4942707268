// What the apiserver checks before it sends a pod's log/exec/attach/portforward to the node,
// worded as kube-apiserver's pod strategy words it.
import { errors } from '../../machinery/errors';
import type { KObject } from '../../machinery/types';

type Sub = 'log' | 'exec' | 'attach' | 'portforward';

interface Named {
  name?: unknown;
}

function names(list: unknown): string[] {
  return Array.isArray(list) ? (list as Named[]).map((c) => String(c.name ?? '')) : [];
}

function spec(pod: KObject): Record<string, unknown> {
  return (pod['spec'] ?? {}) as Record<string, unknown>;
}

export function podPhase(pod: KObject): string {
  return String(((pod['status'] ?? {}) as Record<string, unknown>)['phase'] ?? '');
}

/** The container a request is about: the given one if the pod has it, else the only one. */
export function pickContainer(pod: KObject, requested: string | null, sub: Sub): string {
  const s = spec(pod);
  const main = names(s['containers']);
  const init = names(s['initContainers']);
  const ephemeral = names(s['ephemeralContainers']);
  const podName = pod.metadata.name ?? '';
  if (requested) {
    if (![...main, ...init, ...ephemeral].includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  if (main.length === 1 && main[0]) return main[0];
  if (main.length === 0) throw errors.badRequest(`a container name must be specified for pod ${podName}`);
  if (sub === 'log') throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${[...init, ...main, ...ephemeral].join(' ')}]`);
  let msg = `a container name must be specified for pod ${podName}, choose one of: [${main.join(' ')}]`;
  if (init.length > 0) msg += ` or one of the init containers: [${init.join(' ')}]`;
  return fail(msg);
}

function fail(msg: string): never {
  throw errors.badRequest(msg);
}

/** Exec and attach need a pod that can still run something; port-forward needs a running pod. */
export function checkPhase(pod: KObject, sub: Sub): void {
  const phase = podPhase(pod);
  const done = phase === 'Succeeded' || phase === 'Failed';
  if (sub === 'exec' && done) fail(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  if (sub === 'attach' && done) fail(`cannot attach a container in a completed pod; current phase is ${phase}`);
  if (sub === 'portforward' && phase !== 'Running') fail(`unable to forward port because pod is not running. Current status=${phase || 'Pending'}`);
}

/** The node's streaming endpoint: its InternalIP (else any address) and kubelet port. */
export function nodeEndpoint(node: KObject): { host: string; port: number } {
  const status = (node['status'] ?? {}) as Record<string, unknown>;
  const addrs = (Array.isArray(status['addresses']) ? status['addresses'] : []) as { type?: string; address?: string }[];
  const addr = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.address)?.address;
  const ep = ((status['daemonEndpoints'] ?? {}) as Record<string, Record<string, unknown> | undefined>)['kubeletEndpoint'];
  const port = Number(ep?.['Port'] ?? 0);
  const name = node.metadata.name ?? '';
  if (!addr) fail(`node ${name} reports no address; its agent must set status.addresses (InternalIP)`);
  if (!Number.isInteger(port) || port <= 0) fail(`node ${name} reports no kubelet port; its agent must set status.daemonEndpoints.kubeletEndpoint.Port`);
  return { host: addr, port };
}

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/** The node URL's query, as the apiserver builds it from the Pod*Options. */
export function nodeQuery(sub: Sub, q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  if (sub === 'exec' || sub === 'attach') {
    if (sub === 'exec') for (const c of q.getAll('command')) out.append('command', c);
    if (truthy(q.get('stdin'))) out.set('input', '1');
    if (truthy(q.get('stdout'))) out.set('output', '1');
    if (truthy(q.get('stderr'))) out.set('error', '1');
    if (truthy(q.get('tty'))) out.set('tty', '1');
    return out;
  }
  const keep = sub === 'log' ? ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'] : ['port', 'ports'];
  for (const k of keep) for (const v of q.getAll(k)) out.append(k === 'ports' ? 'port' : k, v);
  return out;
}

/** The kubelet path for a subresource. */
export function nodePath(sub: Sub, namespace: string, pod: string, container: string): string {
  const e = encodeURIComponent;
  switch (sub) {
    case 'log':
      return `/containerLogs/${e(namespace)}/${e(pod)}/${e(container)}`;
    case 'exec':
      return `/exec/${e(namespace)}/${e(pod)}/${e(container)}`;
    case 'attach':
      return `/attach/${e(namespace)}/${e(pod)}/${e(container)}`;
    case 'portforward':
      return `/portForward/${e(namespace)}/${e(pod)}`;
  }
}
