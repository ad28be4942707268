// root-ca-cert-publisher: every active namespace has a ConfigMap "kube-root-ca.crt" holding the
// API server's CA, so workloads can verify it; edits are reverted and deletions undone.
import type { ResourceRef } from '../../machinery/client';
import { deepEqual } from '../../machinery/deep-equal';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const cmRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps' };
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const description = 'The certificate authority of this cluster\'s API server, for clients inside the cluster that reach it through the kubernetes Service.';

export type RootCAAction = 'none' | 'create' | 'update';

/**
 * What the namespace's CA ConfigMap needs, given the namespace and the ConfigMap as they are.
 * As upstream: data must be exactly { ca.crt } and some description present; a user's own
 * wording of the description is fine.
 */
export function computeRootCAAction(ns: KObject | undefined, cm: KObject | undefined, caPem: string): RootCAAction {
  if (!ns || ns.metadata.deletionTimestamp) return 'none';
  if ((ns.status as { phase?: string } | undefined)?.phase === 'Terminating') return 'none';
  if (!cm) return 'create';
  const described = !!cm.metadata.annotations?.[DESCRIPTION_ANNOTATION];
  return deepEqual(cm.data ?? {}, { 'ca.crt': caPem }) && described ? 'none' : 'update';
}

/**
 * The ConfigMap to write. An update starts from the existing object (labels, other annotations,
 * binaryData and resourceVersion kept) and, as upstream, resets data to just ca.crt and the
 * description to ours.
 */
export function desiredRootCA(namespace: string, existing: KObject | undefined, caPem: string): KObject {
  const out: KObject = existing ? structuredClone(existing) : { metadata: {} };
  out.apiVersion = 'v1';
  out.kind = 'ConfigMap';
  out.metadata = { ...out.metadata, name: ROOT_CA_CONFIGMAP, namespace, annotations: { ...(out.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: description } };
  out.data = { 'ca.crt': caPem };
  return out;
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
    await readyOrAborted(this.ready, signal);
    await this.queue.run(1, (k) => this.sync(k), signal, (key, err) =>
      this.ctx.log.warn({ controller: this.name, namespace: key, err: errMessage(err) }, 'publishing the root CA failed; will retry'),
    );
  }

  /** For tests: resolves when no work is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async sync(namespace: string): Promise<void> {
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    const action = computeRootCAAction(this.namespaces.get(undefined, namespace), cm, this.caPem);
    if (action === 'none') return;
    const desired = desiredRootCA(namespace, action === 'update' ? cm : undefined, this.caPem);
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
