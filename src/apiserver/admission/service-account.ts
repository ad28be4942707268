// ServiceAccount admission, as kube-apiserver's plugin: pods run as the namespace's "default"
// service account unless they name one, and unless the pod or its service account opts out
// (automountServiceAccountToken: false) every container gets the API credentials mounted at
// /var/run/secrets/kubernetes.io/serviceaccount from a projected kube-api-access-XXXXX volume.
import { type IdSource, randomIds } from '../../machinery/clock';
import { serviceAccountDef } from '../../machinery/resources/serviceaccount';
import { type JsonObject, type KObject, isObject } from '../../machinery/types';
import type { Admission } from './admission';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function serviceAccount(ids: IdSource = randomIds): Admission {
  return {
    name: 'ServiceAccount',
    async admit({ op, def, obj, store }) {
      if (op !== 'create' || def.group !== '' || def.plural !== 'pods') return;
      // Static (mirror) pods are the node's own business: upstream leaves them alone.
      if (obj.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      const spec = (obj.spec ?? {}) as JsonObject;
      const name = (spec.serviceAccountName as string | undefined) || (spec.serviceAccount as string | undefined) || 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      obj.spec = spec;
      // Upstream refuses pods whose service account doesn't exist yet; Berth mounts the token
      // anyway (the kubelet's token request fails until it exists) so pods made in a namespace the
      // service account controller has not reached yet are not refused.
      const sa = await store.tryGet(serviceAccountDef, obj.metadata.namespace, name);
      if (shouldAutomount(spec, sa)) mountToken(spec, () => ids.suffix(5));
    },
  };
}

/** The pod's own setting wins, then the service account's; mounting is the default. */
export function shouldAutomount(spec: JsonObject, sa: KObject | undefined): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof sa?.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** Adds the mount to every (init) container without one at the token path, and the volume if any got it. */
export function mountToken(spec: JsonObject, suffix: () => string): void {
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as unknown[]) : [];
  const existing = volumes.find((v): v is JsonObject => isObject(v) && typeof v.name === 'string' && v.name.startsWith(VOLUME_PREFIX));
  const volumeName = existing ? (existing.name as string) : VOLUME_PREFIX + suffix();
  let needed = false;
  for (const key of ['initContainers', 'containers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c)) continue;
      const mounts = Array.isArray(c.volumeMounts) ? (c.volumeMounts as unknown[]) : [];
      if (mounts.some((m) => isObject(m) && m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (needed && !existing) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

/** The projection upstream mounts: a bound token, the cluster CA and the pod's namespace. */
export function tokenVolumeSource(): JsonObject {
  return {
    sources: [
      // 3607 s marks the token as kubelet-requested for a pod: the apiserver may extend it (see token-request.ts).
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
    defaultMode: 420,
  };
}
