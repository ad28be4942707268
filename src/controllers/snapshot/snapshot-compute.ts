// What the common snapshot controller does with one VolumeSnapshot, as a list of steps computed
// from cached state (upstream's syncSnapshot): release the source claim's finalizer, pick the
// default class, add finalizers, create or bind the VolumeSnapshotContent, copy its status,
// and on deletion cascade to the content as its deletion policy says.
import { SNAPSHOT_GROUP } from '../../machinery/resources/volumesnapshot-common';
import { isDefaultSnapshotClass } from '../../machinery/resources/volumesnapshotclass';
import { asStr, dig } from '../../machinery/resources/storage-apps-util';
import type { JsonObject, KObject } from '../../machinery/types';
import {
  ANN_BEING_DELETED, type Ev, PVC_FINALIZER, VS_AS_SOURCE_FINALIZER, VS_BOUND_FINALIZER,
  contentNameFor, contentView, hasFinalizer, isDeleting, refersTo, snapshotView,
} from './names';
import { snapshotStatusFrom } from './status';

export interface SnapshotWorld {
  snapshot: KObject;
  contents: ReadonlyMap<string, KObject>;
  classes: readonly KObject[];
  /** The source claim (spec.source.persistentVolumeClaimName), when it exists. */
  claim?: KObject | undefined;
  /** The volume that claim is bound to, when it exists. */
  volume?: KObject | undefined;
  /** Claims and snapshots of the snapshot's namespace. */
  claims: readonly KObject[];
  snapshots: readonly KObject[];
}

export type SnapshotStep =
  | { do: 'releaseClaim'; claim: string }
  | { do: 'protectClaim'; claim: string }
  | { do: 'setClass'; name: string }
  | { do: 'setFinalizers'; finalizers: string[] }
  | { do: 'createContent'; content: KObject; event: Ev }
  | { do: 'bindContent'; name: string; uid: string; className?: string }
  | { do: 'status'; status: JsonObject; events: Ev[] }
  /** status.error (and readyToUse false when asked) plus a Warning; the sync is retried. */
  | { do: 'error'; reason: string; message: string; setReadyFalse: boolean }
  /** Only an event; the sync is retried. */
  | { do: 'wait'; event: Ev }
  | { do: 'annotateContent'; name: string }
  | { do: 'deleteContent'; name: string };

const err = (reason: string, message: string, setReadyFalse = true): SnapshotStep => ({ do: 'error', reason, message, setReadyFalse });
const key = (s: KObject): string => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;

/** checkandRemovePVCFinalizer: the claim keeps its finalizer while any unready snapshot uses it. */
function releaseClaim(w: SnapshotWorld, skipSelf: boolean): SnapshotStep[] {
  const claim = w.claim;
  if (!claim || !hasFinalizer(claim, PVC_FINALIZER)) return [];
  const inUse = w.snapshots.some((s) => {
    if (skipSelf && s.metadata.name === w.snapshot.metadata.name) return false;
    const v = snapshotView(s);
    return v.pvc === claim.metadata.name && v.ready !== true;
  });
  return inUse ? [] : [{ do: 'releaseClaim', claim: claim.metadata.name ?? '' }];
}

/** isVolumeBeingCreatedFromSnapshot: a Pending claim restores from this snapshot. */
function beingRestored(w: SnapshotWorld): boolean {
  return w.claims.some((c) => {
    const ds = dig(c, 'spec', 'dataSource');
    return asStr(dig(ds, 'name')) === w.snapshot.metadata.name && asStr(dig(ds, 'kind')) === 'VolumeSnapshot' &&
      asStr(dig(ds, 'apiGroup')) === SNAPSHOT_GROUP && asStr(dig(c, 'status', 'phase')) === 'Pending';
  });
}

/** getVolumeFromVolumeSnapshot: the source claim must be Bound to a volume bound back to it. */
function sourceVolume(w: SnapshotWorld): { volume: KObject } | { error: string } {
  const name = snapshotView(w.snapshot).pvc ?? '';
  const claim = w.claim;
  if (!claim) return { error: `failed to retrieve PVC ${name} from the lister: "persistentvolumeclaim \\"${name}\\" not found"` };
  if (asStr(dig(claim, 'status', 'phase')) !== 'Bound') return { error: `the PVC ${name} is not yet bound to a PV, will not attempt to take a snapshot` };
  const pvName = asStr(dig(claim, 'spec', 'volumeName')) ?? '';
  const pv = w.volume;
  if (!pv) return { error: `failed to retrieve PV ${pvName} from the API server: "persistentvolumes \\"${pvName}\\" not found"` };
  const ref = dig(pv, 'spec', 'claimRef');
  const uid = asStr(dig(ref, 'uid')) ?? '';
  if (asStr(dig(ref, 'name')) !== name || asStr(dig(ref, 'namespace')) !== claim.metadata.namespace || (uid !== '' && uid !== claim.metadata.uid)) {
    return { error: 'claim in dataSource not bound or invalid' };
  }
  return { volume: pv };
}

/** SetDefaultSnapshotClass: the one default class for the source volume's CSI driver. */
function defaultClass(w: SnapshotWorld): { name: string } | { error: string } {
  const src = sourceVolume(w);
  if ('error' in src) return src;
  const driver = asStr(dig(src.volume, 'spec', 'csi', 'driver'));
  if (driver === undefined) return { error: `snapshotting non-CSI volumes is not supported, snapshot:${key(w.snapshot)}` };
  const defaults = w.classes.filter((c) => isDefaultSnapshotClass(c) && asStr(c['driver']) === driver);
  if (defaults.length === 0) return { error: 'cannot find default snapshot class' };
  if (defaults.length > 1) return { error: `${defaults.length} default snapshot classes were found` };
  return { name: defaults[0]?.metadata.name ?? '' };
}

/** getPreprovisionedContentFromStore / getDynamicallyProvisionedContentFromStore. */
function findContent(w: SnapshotWorld): { content?: KObject } | { error: SnapshotStep } {
  const s = w.snapshot;
  const v = snapshotView(s);
  const name = v.content ?? contentNameFor(s);
  const c = w.contents.get(name);
  if (!c) return {};
  const cv = contentView(c);
  if (v.content !== undefined) {
    if (cv.snapshotHandle === undefined) return { error: err('SnapshotContentMismatch', 'VolumeSnapshotContent is dynamically provisioned while expecting a pre-provisioned one') };
    if (cv.ref.name !== s.metadata.name || cv.ref.namespace !== s.metadata.namespace || (cv.ref.uid !== '' && cv.ref.uid !== s.metadata.uid)) {
      return { error: err('SnapshotContentMisbound', `VolumeSnapshotContent [${name}] is bound to a different snapshot`) };
    }
  } else {
    if (cv.volumeHandle === undefined) return { error: err('SnapshotContentMismatch', `VolumeSnapshotContent ${name} is pre-provisioned while expecting a dynamically provisioned one`) };
    if (!refersTo(c, s)) return { error: err('SnapshotContentMisbound', `VolumeSnapshotContent [${name}] is bound to a different snapshot`) };
  }
  return { content: c };
}

function deletionSteps(w: SnapshotWorld): SnapshotStep[] {
  const s = w.snapshot;
  const v = snapshotView(s);
  if (!hasFinalizer(s, VS_AS_SOURCE_FINALIZER) && !hasFinalizer(s, VS_BOUND_FINALIZER)) return [];
  const name = v.bound ?? (v.pvc !== undefined ? contentNameFor(s) : '');
  const found = w.contents.get(name);
  const content = found && refersTo(found, s) ? found : undefined;
  const cascade = content !== undefined && contentView(content).policy === 'Delete';
  if (content && beingRestored(w)) return [{ do: 'wait', event: { type: 'Warning', reason: 'SnapshotDeletePending', message: 'Snapshot is being used to restore a PVC' } }];
  const steps: SnapshotStep[] = [];
  if (content && content.metadata.annotations?.[ANN_BEING_DELETED] !== 'yes') steps.push({ do: 'annotateContent', name });
  if (content && cascade && !isDeleting(content)) steps.push({ do: 'deleteContent', name });
  steps.push(...releaseClaim(w, true));
  // The bound finalizer stays until the content it cascades to is gone.
  const drop = new Set([VS_AS_SOURCE_FINALIZER, ...(cascade ? [] : [VS_BOUND_FINALIZER])]);
  const finalizers = (s.metadata.finalizers ?? []).filter((f) => !drop.has(f));
  if (finalizers.length !== (s.metadata.finalizers ?? []).length) steps.push({ do: 'setFinalizers', finalizers });
  return steps;
}

/** The status step when the content's status moves the snapshot's. */
function statusSteps(s: KObject, content: KObject): SnapshotStep[] {
  const next = snapshotStatusFrom(s, content);
  return next ? [{ do: 'status', status: next.status, events: next.events }] : [];
}

/** createSnapshotContent: a claim source, a class, a CSI volume. */
function createSteps(w: SnapshotWorld, className: string): SnapshotStep[] {
  const s = w.snapshot;
  const claim = w.claim;
  const steps: SnapshotStep[] = [];
  // As upstream, the claim is protected before the inputs are checked.
  const fail = (why: string) => [...steps, err('SnapshotContentCreationFailed', `Failed to create snapshot content with error ${why}`)];
  if (!claim) return fail(`snapshot controller failed to update ${s.metadata.name ?? ''} on API server: cannot get claim from snapshot`);
  if (!hasFinalizer(claim, PVC_FINALIZER)) {
    if (isDeleting(claim)) return fail(`snapshot controller failed to update ${claim.metadata.name ?? ''} on API server: cannot add finalizer on claim because it is being deleted`);
    steps.push({ do: 'protectClaim', claim: claim.metadata.name ?? '' });
  }
  const cls = w.classes.find((c) => c.metadata.name === className);
  const src = sourceVolume(w);
  const inputs = (why: string) => fail(`failed to get input parameters to create snapshot ${s.metadata.name ?? ''}: ${JSON.stringify(why)}`);
  if (!cls) return inputs(`volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`);
  if ('error' in src) return inputs(src.error);
  const pvName = src.volume.metadata.name ?? '';
  const csi = dig(src.volume, 'spec', 'csi');
  const handle = asStr(dig(csi, 'volumeHandle'));
  if (handle === undefined) return fail(`cannot find CSI PersistentVolumeSource for volume ${pvName}`);
  const driver = asStr(dig(csi, 'driver')) ?? '';
  const classDriver = asStr(cls['driver']) ?? '';
  if (classDriver !== driver) {
    // Upstream lets the driver fail; saying which class fits is kinder.
    return fail(`cannot snapshot volume ${pvName} of CSI driver ${driver} with VolumeSnapshotClass ${className} of driver ${classDriver}; use a class whose driver is ${driver}`);
  }
  const mode = asStr(dig(src.volume, 'spec', 'volumeMode'));
  const content: KObject = {
    apiVersion: `${SNAPSHOT_GROUP}/v1`,
    kind: 'VolumeSnapshotContent',
    metadata: { name: contentNameFor(s) },
    spec: {
      volumeSnapshotRef: { kind: 'VolumeSnapshot', namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '', uid: s.metadata.uid ?? '', apiVersion: `${SNAPSHOT_GROUP}/v1`, resourceVersion: s.metadata.resourceVersion ?? '' },
      source: { volumeHandle: handle },
      volumeSnapshotClassName: className,
      deletionPolicy: asStr(cls['deletionPolicy']) ?? 'Delete',
      driver: classDriver,
      ...(mode !== undefined ? { sourceVolumeMode: mode } : {}),
    },
  };
  const event: Ev = { type: 'Normal', reason: 'CreatingSnapshot', message: `Waiting for a snapshot ${key(s)} to be created by the CSI driver.` };
  steps.push({ do: 'createContent', content, event }, ...statusSteps(s, content));
  return steps;
}

/** syncUnreadySnapshot. */
function unreadySteps(w: SnapshotWorld, content: KObject | undefined): SnapshotStep[] {
  const s = w.snapshot;
  const v = snapshotView(s);
  if (v.content !== undefined) {
    if (!content) return [err('SnapshotContentMissing', 'VolumeSnapshotContent is missing')];
    const cv = contentView(content);
    const className = v.className !== undefined && cv.className !== v.className ? v.className : undefined;
    if (cv.ref.uid === '' || className !== undefined) {
      return [{ do: 'bindContent', name: content.metadata.name ?? '', uid: s.metadata.uid ?? '', ...(className !== undefined ? { className } : {}) }];
    }
    return statusSteps(s, content);
  }
  if (content) return statusSteps(s, content);
  return createSteps(w, v.className ?? '');
}

export function decideSnapshot(w: SnapshotWorld): SnapshotStep[] {
  const s = w.snapshot;
  const v = snapshotView(s);
  const steps = releaseClaim(w, false);
  if (isDeleting(s)) {
    const d = deletionSteps(w);
    return d.some((x) => x.do === 'releaseClaim') ? d : [...steps, ...d];
  }
  if (v.className !== undefined) {
    if (!w.classes.some((c) => c.metadata.name === v.className)) {
      return [...steps, err('GetSnapshotClassFailed', `Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "${v.className}" not found`, false)];
    }
  } else if (v.pvc !== undefined) {
    const d = defaultClass(w);
    if ('error' in d) return [...steps, err('SetDefaultSnapshotClassFailed', `Failed to set default snapshot class with error ${d.error}`, false)];
    return [...steps, { do: 'setClass', name: d.name }];
  }
  const found = findContent(w);
  if ('error' in found) return [...steps, found.error];
  const content = found.content;
  const add: string[] = [];
  if (!hasFinalizer(s, VS_AS_SOURCE_FINALIZER)) add.push(VS_AS_SOURCE_FINALIZER);
  if (content && v.bound !== undefined && !hasFinalizer(s, VS_BOUND_FINALIZER) && contentView(content).policy === 'Delete') add.push(VS_BOUND_FINALIZER);
  if (add.length) return [...steps, { do: 'setFinalizers', finalizers: [...(s.metadata.finalizers ?? []), ...add] }];
  if (v.ready !== true || v.bound === undefined) return [...steps, ...unreadySteps(w, content)];
  // syncReadySnapshot: the binding must still hold both ways.
  const bound = w.contents.get(v.bound);
  if (!bound) return [...steps, err('SnapshotContentMissing', 'VolumeSnapshotContent is missing')];
  if (!refersTo(bound, s)) return [...steps, err('SnapshotMisbound', 'VolumeSnapshotContent is not bound to the VolumeSnapshot correctly')];
  return steps;
}
