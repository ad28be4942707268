// The apiserver's pods/log, pods/exec, pods/attach and pods/portforward: checks the request
// against the pod, finds its node and hands the connection to the node's streaming server.
import type { RequestContext } from '../handlers/context';
import { errors } from '../../machinery/errors';
import type { KObject } from '../../machinery/types';
import { type ProxyAuth, proxyPlain, proxyUpgrade, upgradeOnly } from './proxy';
import { checkPhase, nodeEndpoint, nodePath, nodeQuery, pickContainer } from './validate';

export type Connector = (rc: RequestContext) => Promise<void>;

export interface PodConnectorOptions {
  /** Bearer token the node streaming servers accept: one for all, or one per node name. */
  nodeToken: string | ((nodeName: string) => string);
  /** CA that signed the nodes' serving certificates; without it they are not verified. */
  caPem?: string;
}

type Sub = 'log' | 'exec' | 'attach' | 'portforward';

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function checkOptions(sub: Sub, q: URLSearchParams): void {
  if (sub !== 'exec' && sub !== 'attach') return;
  if (!truthy(q.get('stdin')) && !truthy(q.get('stdout')) && !truthy(q.get('stderr'))) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (sub === 'exec' && q.getAll('command').length === 0) throw errors.badRequest('you must specify at least one command for the container');
}

function connector(sub: Sub, opts: PodConnectorOptions): Connector {
  return async (rc) => {
    const { info, url, req } = rc;
    const allowed = sub === 'log' ? info.verb === 'get' : info.verb === 'get' || info.verb === 'create';
    if (!allowed) throw errors.methodNotAllowed();
    // Set by Node's HTTP parser for requests that arrived through the 'upgrade' event.
    const upgrading = (req as typeof req & { upgrade?: boolean }).upgrade === true;
    if (sub !== 'log' && !upgrading) throw upgradeOnly();
    const q = url.searchParams;
    checkOptions(sub, q);
    const pod = await rc.deps.store.get(rc.def, info.namespace, info.name ?? '');
    const container = sub === 'portforward' ? '' : pickContainer(pod, q.get('container'), sub);
    const nodeName = String((pod['spec'] as Record<string, unknown> | undefined)?.['nodeName'] ?? '');
    if (!nodeName) {
      // Upstream answers an empty log for a pod that has no node yet.
      if (sub === 'log') {
        rc.res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 0 });
        rc.res.end();
        return;
      }
      throw errors.badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
    }
    checkPhase(pod, sub);
    const nodes = rc.deps.registry.lookup('', 'v1', 'nodes');
    if (!nodes) throw errors.internal(new Error('the nodes resource is not registered'));
    let node: KObject;
    try {
      node = await rc.deps.store.get(nodes, undefined, nodeName);
    } catch {
      throw errors.badRequest(`pod ${pod.metadata.name ?? ''} is bound to node ${nodeName}, which does not exist; the node's agent registers it`);
    }
    const ep = nodeEndpoint(node);
    const query = nodeQuery(sub, q).toString();
    const target = { ...ep, path: nodePath(sub, pod.metadata.namespace ?? '', pod.metadata.name ?? '', container) + (query ? `?${query}` : '') };
    const auth: ProxyAuth = { token: typeof opts.nodeToken === 'function' ? opts.nodeToken(nodeName) : opts.nodeToken, ...(opts.caPem ? { caPem: opts.caPem } : {}) };
    if (upgrading) return proxyUpgrade(req, req.socket, target, auth);
    return proxyPlain(req, rc.res, target, auth);
  };
}

/** Connectors for ApiDeps.connectors, keyed `pods/<subresource>`. */
export function podConnectors(opts: PodConnectorOptions): Map<string, Connector> {
  return new Map<string, Connector>(
    (['log', 'exec', 'attach', 'portforward'] as const).map((sub) => [`pods/${sub}`, connector(sub, opts)]),
  );
}
