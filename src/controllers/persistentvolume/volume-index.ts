// An index over the volumes the binder's cache holds, so that matching a claim costs a lookup
// instead of a scan of every PV (10,000 claims against 10,000 volumes would otherwise be 10^8
// comparisons). It answers exactly what findBestMatchForClaim answers over the volumes in the
// order they were added (the property test checks this); only the work differs.
import { compareQuantity, type Quantity } from '../../machinery/quantity';
import { matchLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';
import {
  type MatchOptions, type VolumeCandidates, claimClass, claimRequest, isVolumeBoundToClaim, phaseOf, pvSpec, pvcSpec, volumeClass, volumeFitsNode, volumeSize,
} from './match';

interface Entry {
  pv: KObject;
  /** Order of first sight: ties between equal candidates go to the earliest, as in a list scan. */
  seq: number;
  modesKey: string;
  size: Quantity | undefined;
  /** The bucket of a free volume (no claimRef, Available, not being deleted, sized). */
  bucket: string | undefined;
  /** namespace/name of the claim the volume's claimRef names. */
  claimKey: string | undefined;
}

interface ModeGroup {
  modes: string[];
  names: Set<string>;
  /** The earliest seq of any volume with these modes: groups of equal width are tried in that order. */
  first: number;
  /** `first` left the group: recompute before use. */
  stale: boolean;
}

const modeOf = (m: string | undefined): string => m ?? 'Filesystem';
const modesKeyOf = (modes: readonly string[] | undefined): string => [...new Set(modes ?? [])].sort().join(',');
const bucketKey = (cls: string, volumeMode: string, vac: string, modesKey: string) => JSON.stringify([cls, volumeMode, vac, modesKey]);
const byClaim = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

/** Orders a bucket: smallest first, then first seen. */
const before = (a: Entry, b: Entry): number => compareQuantity(a.size as Quantity, b.size as Quantity) || a.seq - b.seq;

export class VolumeIndex implements VolumeCandidates {
  private seq = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly groups = new Map<string, ModeGroup>();
  private readonly buckets = new Map<string, Entry[]>();
  private readonly claimed = new Map<string, Set<string>>();

  /** Adds or replaces a volume (informer add/update). */
  upsert(pv: KObject): void {
    const name = pv.metadata.name ?? '';
    const spec = pvSpec(pv);
    const size = volumeSize(pv);
    const free = !spec.claimRef && phaseOf(pv) === 'Available' && !pv.metadata.deletionTimestamp && size !== undefined;
    const modesKey = modesKeyOf(spec.accessModes);
    const old = this.entries.get(name);
    // An update keeps its place in its mode group (the common case: the modes did not change).
    if (old) this.unlink(name, old, old.modesKey !== modesKey);
    const e: Entry = {
      pv,
      seq: old?.seq ?? this.seq++,
      modesKey,
      size,
      bucket: free ? bucketKey(volumeClass(pv), modeOf(spec.volumeMode), spec.volumeAttributesClassName ?? '', modesKey) : undefined,
      claimKey: spec.claimRef ? byClaim(spec.claimRef.namespace, spec.claimRef.name) : undefined,
    };
    this.entries.set(name, e);
    let g = this.groups.get(modesKey);
    if (!g) this.groups.set(modesKey, (g = { modes: modesKey ? modesKey.split(',') : [], names: new Set(), first: e.seq, stale: false }));
    g.names.add(name);
    if (!g.stale) g.first = Math.min(g.first, e.seq);
    if (e.bucket !== undefined) {
      const list = this.buckets.get(e.bucket) ?? [];
      list.splice(lowerBound(list, (x) => before(x, e) < 0), 0, e);
      this.buckets.set(e.bucket, list);
    }
    if (e.claimKey !== undefined) {
      const set = this.claimed.get(e.claimKey) ?? new Set();
      set.add(name);
      this.claimed.set(e.claimKey, set);
    }
  }

  /** Forgets a volume (informer delete); its seq goes too, as a deleted list entry would. */
  remove(name: string): void {
    const e = this.entries.get(name);
    if (e) this.unlink(name, e, true);
  }

  private unlink(name: string, e: Entry, leaveGroup: boolean): void {
    this.entries.delete(name);
    const g = this.groups.get(e.modesKey);
    if (g && leaveGroup) {
      g.names.delete(name);
      if (g.names.size === 0) this.groups.delete(e.modesKey);
      // Found again when next asked: deleting many volumes stays linear.
      else if (g.first === e.seq) g.stale = true;
    }
    if (e.bucket !== undefined) {
      const list = this.buckets.get(e.bucket) ?? [];
      const i = lowerBound(list, (x) => before(x, e) < 0);
      if (list[i] === e) list.splice(i, 1);
      if (list.length === 0) this.buckets.delete(e.bucket);
    }
    if (e.claimKey !== undefined) {
      const set = this.claimed.get(e.claimKey);
      set?.delete(name);
      if (set?.size === 0) this.claimed.delete(e.claimKey);
    }
  }

  get(name: string): KObject | undefined {
    return this.entries.get(name)?.pv;
  }

  /** The volumes whose claimRef names namespace/name (bound or pre-bound to that claim). */
  claimedBy(namespace: string, name: string): KObject[] {
    return [...(this.claimed.get(byClaim(namespace, name)) ?? [])].flatMap((n) => this.entries.get(n)?.pv ?? []);
  }

  /** Whether the volume is free to bind: no claimRef, Available, not being deleted. */
  isFree(name: string): boolean {
    return this.entries.get(name)?.bucket !== undefined;
  }

  /**
   * findBestMatchForClaim over the indexed volumes; `skip` hides free volumes (the binder's
   * reservations for claims being bound right now).
   */
  bestMatch(claim: KObject, opts: MatchOptions = {}, skip?: (name: string) => boolean): KObject | undefined {
    const request = claimRequest(claim);
    if (!request) return undefined;
    const spec = pvcSpec(claim);
    const want = spec.accessModes ?? [];
    const groups = [...this.groups.entries()]
      .filter(([, g]) => want.every((m) => g.modes.includes(m)))
      .map(([k, g]) => [k, this.fresh(g)] as const)
      .sort(([, a], [, b]) => a.modes.length - b.modes.length || a.first - b.first);
    const mode = modeOf(spec.volumeMode);
    const vac = spec.volumeAttributesClassName ?? '';
    const preBound = this.preBound(claim, request, mode, vac);
    for (const [key] of groups) {
      const pre = preBound.find((e) => e.modesKey === key);
      // A volume pre-bound to the claim decides its group, fitting the node or not (as upstream).
      if (pre) {
        if (volumeFitsNode(pre.pv, opts.node)) return pre.pv;
        continue;
      }
      if (opts.delayBinding && !opts.node) continue;
      const list = this.buckets.get(bucketKey(claimClass(claim), mode, vac, key)) ?? [];
      for (let i = lowerBound(list, (x) => compareQuantity(x.size as Quantity, request) < 0); i < list.length; i++) {
        const e = list[i] as Entry;
        if (skip?.(e.pv.metadata.name ?? '')) continue;
        if (!volumeFitsNode(e.pv, opts.node)) continue;
        if (spec.selector && !matchLabelSelector(spec.selector, e.pv.metadata.labels)) continue;
        return e.pv;
      }
    }
    return undefined;
  }

  private fresh(g: ModeGroup): ModeGroup {
    if (g.stale) {
      g.first = Number.POSITIVE_INFINITY;
      for (const n of g.names) g.first = Math.min(g.first, this.entries.get(n)?.seq ?? Number.POSITIVE_INFINITY);
      g.stale = false;
    }
    return g;
  }

  /** Volumes pre-bound to the claim that pass the checks made before the pre-binding one, first seen first. */
  private preBound(claim: KObject, request: Quantity, mode: string, vac: string): Entry[] {
    const names = this.claimed.get(byClaim(claim.metadata.namespace, claim.metadata.name));
    if (!names) return [];
    return [...names]
      .map((n) => this.entries.get(n) as Entry)
      .filter((e) => {
        const s = pvSpec(e.pv);
        return isVolumeBoundToClaim(e.pv, claim) && e.size !== undefined && compareQuantity(e.size, request) >= 0 && modeOf(s.volumeMode) === mode && (s.volumeAttributesClassName ?? '') === vac && !e.pv.metadata.deletionTimestamp;
      })
      .sort((a, b) => a.seq - b.seq);
  }
}

/** The first index whose element is not `lt` (the list is sorted so that `lt` holds for a prefix). */
function lowerBound<T>(list: readonly T[], lt: (x: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lt(list[mid] as T)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
