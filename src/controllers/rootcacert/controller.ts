// root-ca-cert-publisher: every active namespace has a ConfigMap "kube-root-ca.crt" holding the
// API server's CA, so workloads can verify it; edits are reverted and deletions undone.
import type { ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason } from '../controller';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
const description = 'The certificate authority of this cluster\'s API server, for clients inside the cluster that reach it through the kubernetes Service.';

export type RootCAAction = 'none' | 'create' | 'update';

/** What the namespace's CA ConfigMap needs, given the namespace and the ConfigMap as they are. */
export function computeRootCAAction(ns: KObject | undefined, cm: KObject | undefined, caPem: string): RootCAAction {
  if (!ns || ns.metadata.deletionTimestamp) return 'none';
  if ((ns.status as { phase?: string } | undefined)?.phase === 'Terminating') return 'none';
  if (!cm) return 'create';
  const data = (cm.data ?? {}) as Record<string, unknown>;
  const extra = Object.keys(data).some((k) => k !== 'ca.crt');
  return data['ca.crt'] === caPem && !extra && cm.metadata.annotations?.['kubernetes.io/description'] === description ? 'none' : 'update';
}

export class RootCACertPublisher implements Controller {
  readonly name = 'root-ca-certificate-publisher-controller';
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;

  constructor(private readonly ctx: ControllerContext, private readonly caPem: string) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.namespaces = ctx.informers.for(nsRef);
    // Only the CA ConfigMaps: caching every ConfigMap in the cluster would cost memory for nothing.
    this.configMaps = ctx.informers.for(cmRef, 'full', `metadata.name=${ROOT_CA_CONFIGMAP}`);
    this.namespaces.addHandler({ onAdd: (o) => this.queue.add(o.metadata.name ?? ''), onUpdate: (_old, o) => this.queue.add(o.metadata.name ?? '') });
    const cmChanged = (o: KObject) => {
      if (o.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(o.metadata.namespace ?? '');
    };
    this.configMaps.addHandler({ onUpdate: (_old, o) => cmChanged(o), onDelete: cmChanged });
    this.ready = Promise.all([this.namespaces.hasSynced, this.configMaps.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.race([this.ready, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await this.queue.run(1, (k) => this.sync(k), signal, (key, err) =>
      this.ctx.log.warn({ controller: this.name, namespace: key, err: errMessage(err) }, 'publishing the root CA failed; will retry'),
    );
  }

  private async sync(namespace: string): Promise<void> {
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    const action = computeRootCAAction(this.namespaces.get(undefined, namespace), cm, this.caPem);
    if (action === 'none') return;
    const desired: KObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...(cm?.metadata ?? {}), name: ROOT_CA_CONFIGMAP, namespace, annotations: { ...(cm?.metadata.annotations ?? {}), 'kubernetes.io/description': description } },
      data: { 'ca.crt': this.caPem },
    };
    try {
      if (action === 'create') await this.ctx.client.create(cmRef, namespace, desired, { fieldManager: this.name });
      else await this.ctx.client.update(cmRef, namespace, desired, { fieldManager: this.name });
    } catch (err) {
      // Cache lag (AlreadyExists/Conflict) requeues through the watch; a namespace going away is fine.
      if (isReason(err, 'AlreadyExists') || isReason(err, 'Forbidden') || isReason(err, 'NotFound')) return;
      throw err;
    }
  }
}
