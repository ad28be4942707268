// Sets up one volume of a pod on the host through its plugin (idempotent).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiClient } from '../../machinery/client';
import type { Clock } from '../../machinery/clock';
import { writeAtomically } from '../../storage/atomic-writer';
import { fetchConfigMapPayload } from '../../storage/config-map';
import { type DownwardItem, type NodeAllocatable, downwardPayload } from '../../storage/downward-api';
import { setUpEmptyDir } from '../../storage/empty-dir';
import { setUpHostPath } from '../../storage/host-path';
import { mountNfs } from '../../storage/nfs';
import { csiManagesOwnership } from '../../storage/ownership';
import { getIfExists } from '../../machinery/client';
import { csiDriverRef } from '../../machinery/refs';
import { mountsAt, mountTmpfs, resizeTmpfs, tmpfsSize } from '../../storage/mounts';
import type { Payload } from '../../storage/payload';
import { projectedPayload } from '../../storage/projected';
import { type CsiClaimMount, setUpClaim } from '../../storage/pvc-source';
import { fetchSecretPayload } from '../../storage/secret';
import type { TokenCache } from '../../storage/service-account-token';
import type { Pod, VolumeSpec } from '../types';
import { type VolumeKind, volumeKind, volumePath } from './volume-kind';

export interface SetUpDeps {
  podsDir: string;
  client: ApiClient;
  clock: Clock;
  tokens: TokenCache;
  node: () => Promise<NodeAllocatable>;
  /** This node's name, for PersistentVolume node affinity (undefined: not checked). */
  nodeName?: string | undefined;
  /** Stages and publishes claims whose PV is a csi volume. */
  csi?: { setUp(pod: Pod, volume: string, plan: CsiClaimMount): Promise<{ path: string }> } | undefined;
}

const MiB = 1024n * 1024n;

/**
 * A small tmpfs for a secret/projected volume: room for three copies of the payload (the atomic
 * writer holds two versions during a swap), at least 4 MiB, in whole MiB.
 */
export function secretTmpfsSize(payload: Payload): bigint {
  let bytes = 0n;
  for (const f of payload.values()) bytes += BigInt(f.data.length) + 4096n;
  const want = ((3n * bytes + MiB - 1n) / MiB) * MiB;
  return want < 4n * MiB ? 4n * MiB : want;
}

async function ensureTmpfs(path: string, size: bigint): Promise<void> {
  const cur = (await mountsAt(path)).filter((m) => m.fsType === 'tmpfs').at(-1);
  if (!cur) await mountTmpfs(path, { sizeBytes: size, mode: 0o755 });
  else if ((tmpfsSize(cur) ?? size) < size) await resizeTmpfs(path, size);
}

async function payloadFor(pod: Pod, v: VolumeSpec, kind: VolumeKind, deps: SetUpDeps): Promise<Payload> {
  const ns = pod.metadata.namespace ?? '';
  const src = v[kind.type] as Record<string, unknown>;
  switch (kind.type) {
    case 'configMap':
      return fetchConfigMapPayload(deps.client, ns, src);
    case 'secret':
      return fetchSecretPayload(deps.client, ns, { ...src, name: typeof src.secretName === 'string' ? src.secretName : '' });
    case 'downwardAPI':
      return downwardPayload(pod, src.items as DownwardItem[] | undefined, src.defaultMode as number | undefined, await deps.node());
    case 'projected':
      return projectedPayload(pod, src, { client: deps.client, tokens: deps.tokens, node: await deps.node() });
    default:
      throw new Error(`volume type ${kind.type} has no payload`);
  }
}

export interface SetUpResult {
  kind: VolumeKind;
  path: string;
  changed: boolean;
  /** Mounted read-only into every container whatever the volumeMount says. */
  readOnly: boolean;
  /** A raw block device (a csi claim with volumeMode Block): containers get it as volumeDevices. */
  block?: boolean;
  /**
   * Whether the pod's fsGroup is applied to this volume's files (emptyDir; CSI per the CSIDriver's
   * fsGroupPolicy). Asked only when ownership is about to be applied, not on every sync.
   */
  ownership?: () => Promise<boolean>;
}

/** The CSIDriver object's fsGroupPolicy (undefined: no object, upstream's default applies). */
async function fsGroupPolicy(client: SetUpDeps['client'], driver: string): Promise<string | undefined> {
  const d = await getIfExists(client, csiDriverRef, undefined, driver).catch(() => undefined);
  const p = (d?.spec as { fsGroupPolicy?: unknown } | undefined)?.fsGroupPolicy;
  return typeof p === 'string' ? p : undefined;
}

/** Sets up `v`; returns its kind and host path, and whether an atomic volume's content changed. */
export async function setUpVolume(pod: Pod, v: VolumeSpec, deps: SetUpDeps): Promise<SetUpResult> {
  const kind = volumeKind(v);
  if (kind.type === 'persistentVolumeClaim') {
    const m = await setUpClaim(deps.client, pod.metadata.namespace ?? '', v.persistentVolumeClaim as { claimName?: unknown; readOnly?: unknown }, deps.nodeName);
    if (m.plugin === 'nfs') {
      const path = join(deps.podsDir, pod.metadata.uid ?? '', 'volumes', 'kubernetes.io~nfs', v.name);
      await mountNfs(m, path, `persistentvolume "${m.pvName}"`);
      return { kind, path, changed: false, readOnly: m.readOnly };
    }
    if (m.plugin !== 'csi') return { kind, path: m.path, changed: false, readOnly: m.readOnly };
    if (!deps.csi) throw new Error(`persistentvolume "${m.pvName}" is a csi volume (driver ${m.driver}) and this node has no CSI drivers configured; start the node with its CSI driver registry`);
    const r = await deps.csi.setUp(pod, v.name, m);
    const ownership = async () => csiManagesOwnership(await fsGroupPolicy(deps.client, m.driver), m.capability, m.readOnly);
    return { kind, path: r.path, changed: false, readOnly: m.readOnly, block: m.block, ownership };
  }
  const uid = pod.metadata.uid ?? '';
  const path = volumePath(deps.podsDir, uid, v, kind);
  if (kind.type === 'emptyDir') {
    await setUpEmptyDir(path, (v.emptyDir ?? {}));
    return { kind, path, changed: false, readOnly: kind.readOnly, ownership: () => Promise.resolve(true) };
  }
  if (kind.type === 'nfs') {
    const src = v.nfs as { server?: unknown; path?: unknown; readOnly?: unknown };
    const nfs = { server: String(src.server ?? ''), path: String(src.path ?? ''), readOnly: src.readOnly === true, mountOptions: [] };
    await mountNfs(nfs, path, `volume "${v.name}"`);
    return { kind, path, changed: false, readOnly: nfs.readOnly };
  }
  if (kind.type === 'hostPath') {
    await setUpHostPath(v.hostPath as { path?: unknown; type?: unknown });
    return { kind, path, changed: false, readOnly: kind.readOnly };
  }
  // Fetch first: a missing object must not leave an empty volume behind that looks set up.
  const payload = await payloadFor(pod, v, kind, deps);
  await mkdir(path, { recursive: true, mode: 0o755 });
  if (kind.tmpfs) await ensureTmpfs(path, secretTmpfsSize(payload));
  const changed = await writeAtomically(path, payload, deps.clock.now());
  // Not walked for fsGroup: the atomic writer owns these files' modes (a walk after each swap
  // would differ from the payload's modes and rewrite the volume on every resync).
  return { kind, path, changed, readOnly: kind.readOnly };
}
