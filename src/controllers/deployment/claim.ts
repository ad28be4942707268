// Upstream's ControllerRefManager for Deployments: adopt matching orphan ReplicaSets (after a
// fresh read shows the Deployment is still the same live object), release owned ones whose
// labels stopped matching. Writes are merge patches with the resourceVersion as precondition.
import type { ApiClient, ResourceRef } from '../../machinery/client';
import { matchLabelSelector } from '../../machinery/selectors';
import type { KObject, OwnerReference } from '../../machinery/types';
import { isReason } from '../controller';
import { controllerRefOf, controllerRefTo } from '../replicaset/pods';
import { dSpec } from './model';

const depRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments' };
const rsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets' };

async function patchOwners(client: ApiClient, o: KObject, refs: OwnerReference[]): Promise<KObject | undefined> {
  try {
    return await client.patch(rsRef, o.metadata.namespace, o.metadata.name ?? '', 'merge', { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: o.metadata.resourceVersion } });
  } catch (err) {
    if (isReason(err, 'NotFound') || isReason(err, 'Conflict')) return undefined;
    throw err;
  }
}

/** The Deployment's ReplicaSets (copies) after adoption and release. */
export async function claimReplicaSets(client: ApiClient, d: KObject, candidates: readonly KObject[]): Promise<KObject[]> {
  const owned: KObject[] = [];
  const sel = dSpec(d).selector ?? null;
  let canAdopt: boolean | undefined;
  for (const rs of candidates) {
    const ref = controllerRefOf(rs);
    const matches = matchLabelSelector(sel, rs.metadata.labels);
    if (ref) {
      if (ref.uid !== d.metadata.uid) continue;
      if (matches) owned.push(structuredClone(rs));
      else if (!rs.metadata.deletionTimestamp && !d.metadata.deletionTimestamp) await patchOwners(client, rs, (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== d.metadata.uid));
      continue;
    }
    if (!matches || rs.metadata.deletionTimestamp || d.metadata.deletionTimestamp) continue;
    canAdopt ??= await client.get(depRef, d.metadata.namespace, d.metadata.name ?? '').then((f) => f.metadata.uid === d.metadata.uid && !f.metadata.deletionTimestamp, () => false);
    if (!canAdopt) continue;
    const mine: OwnerReference = controllerRefTo(d, 'apps/v1', 'Deployment');
    const adopted = await patchOwners(client, rs, [...(rs.metadata.ownerReferences ?? []), mine]);
    if (adopted) owned.push(adopted);
  }
  return owned;
}
