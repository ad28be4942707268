// serviceaccount-controller: every active namespace has a "default" ServiceAccount; deleting
// it brings it back (upstream's ServiceAccountsController with ServiceAccounts: [default]).
import type { ResourceRef } from '../../machinery/client';
import type { KObject } from '../../machinery/types';
import { type Controller, type ControllerContext, errMessage, isReason, readyOrAborted } from '../controller';
import type { Informer } from '../informer';
import { WorkQueue } from '../queue';

export const SA_COMPONENT = 'serviceaccount-controller';
const nsRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces' };
const saRef: ResourceRef = { group: '', version: 'v1', plural: 'serviceaccounts' };

/** Names of the service accounts to create in `ns` (empty when the namespace isn't active). */
export function missingServiceAccounts(ns: KObject | undefined, existing: (name: string) => boolean, wanted: readonly string[] = ['default']): string[] {
  if (!ns || ns.metadata.deletionTimestamp) return [];
  const phase = (ns.status as { phase?: string } | undefined)?.phase ?? 'Active';
  if (phase !== 'Active') return [];
  return wanted.filter((n) => !existing(n));
}

export class ServiceAccountController implements Controller {
  readonly name = SA_COMPONENT;
  readonly ready: Promise<void>;
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer;
  private readonly accounts: Informer;

  constructor(private readonly ctx: ControllerContext, private readonly workers = 1) {
    this.queue = new WorkQueue({ timer: ctx.timer });
    this.namespaces = ctx.informers.for(nsRef);
    this.accounts = ctx.informers.for(saRef);
    const nsChanged = (o: KObject) => this.queue.add(o.metadata.name ?? '');
    this.namespaces.addHandler({ onAdd: nsChanged, onUpdate: (_old, o) => nsChanged(o) });
    this.accounts.addHandler({ onDelete: (o) => this.queue.add(o.metadata.namespace ?? '') });
    this.ready = Promise.all([this.namespaces.hasSynced, this.accounts.hasSynced]).then(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    await readyOrAborted(this.ready, signal);
    await this.queue.run(this.workers, (k) => this.sync(k), signal, (key, err) =>
      this.ctx.log.warn({ controller: this.name, namespace: key, err: errMessage(err) }, 'ensuring service accounts failed; will retry'),
    );
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    const missing = missingServiceAccounts(ns, (n) => !!this.accounts.get(namespace, n));
    for (const name of missing) {
      try {
        await this.ctx.client.create(saRef, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
      } catch (err) {
        // Already there (cache lag) is fine; so is a namespace that started terminating meanwhile.
        if (isReason(err, 'AlreadyExists')) continue;
        if (isReason(err, 'Forbidden') || isReason(err, 'NotFound')) continue;
        throw err;
      }
    }
  }
}
