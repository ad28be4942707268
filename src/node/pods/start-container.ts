// Starting one container instance: image (with pull back-off), env, mounts, user, OCI spec,
// then conmon + runc. Failures become the container's waiting reason (CreateContainerConfigError
// for the pod's own config, CreateContainerError for the rest) with a Warning event, and a
// half-made instance is removed, as the kubelet does; they never fail the pod's whole sync.
import { join } from 'node:path';
import { ApiError } from '../../machinery/errors';
import type { InstanceMeta } from '../runtime/containers';
import { ContainerConfigError, fetchEnvSources, resolveEnv } from '../runtime/env';
import { buildOciSpec } from '../runtime/oci-spec';
import { readRootfsFile } from '../runtime/rootfs-file';
import { resolveUser } from '../runtime/user';
import { type ContainerSpec, ImagePullError, type ImageRecord, type Pod, type PullPolicy, type RegistryAuth, type SandboxNamespaces } from '../types';
import type { Backoff } from './backoff';
import type { PodDeps } from './deps';

export type Waiting = { reason: string; message?: string };

export interface StartContext {
  deps: PodDeps;
  pod: Pod;
  ns: SandboxNamespaces;
  podIP: string;
  imageBackoff: Backoff;
  /** When each image last failed to pull (clock ms). */
  imageFailedAt: Map<string, number>;
}

function pullPolicy(c: ContainerSpec): PullPolicy {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const img = c.image ?? '';
  const tagged = /:[^/]+$/.test(img.split('@')[0] ?? '') && !img.endsWith(':latest');
  return tagged || img.includes('@') ? 'IfNotPresent' : 'Always';
}

async function pullAuths(deps: PodDeps, pod: Pod): Promise<RegistryAuth[]> {
  const auths: RegistryAuth[] = [];
  for (const ref of pod.spec.imagePullSecrets ?? []) {
    try {
      const s = await deps.client.get({ group: '', version: 'v1', plural: 'secrets' }, pod.metadata.namespace, ref.name);
      const data = (s['data'] ?? {}) as Record<string, string>;
      const raw = data['.dockerconfigjson'] ?? data['.dockercfg'];
      if (!raw) continue;
      const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths?: Record<string, Omit<RegistryAuth, 'server'>> } & Record<string, unknown>;
      const entries = parsed.auths ?? (parsed as Record<string, Omit<RegistryAuth, 'server'>>);
      for (const [server, a] of Object.entries(entries)) auths.push({ server, ...a });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
  return auths;
}

/** Ensures the image as the kubelet's image manager does; returns the record or a waiting reason. */
export async function pullImage(ctx: StartContext, c: ContainerSpec): Promise<ImageRecord | Waiting> {
  const { deps, pod } = ctx;
  const image = c.image ?? '';
  const key = `image:${image}`;
  const now = deps.clock.now().getTime();
  const failedAt = ctx.imageFailedAt.get(key);
  if (failedAt !== undefined && ctx.imageBackoff.inBackoffSince(key, failedAt, now)) {
    deps.recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
    return { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
  }
  const policy = pullPolicy(c);
  const t0 = Date.now();
  let pulling = false;
  try {
    const rec = await deps.images.ensureImage(image, policy, {
      auths: await pullAuths(deps, pod),
      onProgress: (p) => {
        if (!pulling && p.status !== 'Already exists') {
          pulling = true;
          deps.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
        }
      },
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(3).replace(/\.?0+$/, '');
    if (pulling || policy === 'Always') deps.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting)`);
    else deps.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    ctx.imageBackoff.reset(key);
    ctx.imageFailedAt.delete(key);
    return rec;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const reason = err instanceof ImagePullError ? err.reason : 'ErrImagePull';
    ctx.imageBackoff.next(key, now);
    ctx.imageFailedAt.set(key, now);
    deps.recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
    deps.recorder.event(pod, 'Warning', 'Failed', `Error: ${reason}`);
    return { reason, message: msg };
  }
}

/** A file of the image's rootfs, read without following its symlinks out of it ('' when unusable). */
async function imageFile(rootfs: string, path: string): Promise<string> {
  return (await readRootfsFile(rootfs, path).catch(() => undefined)) ?? '';
}

function failed(deps: PodDeps, pod: Pod, reason: 'CreateContainerConfigError' | 'CreateContainerError', message: string): Waiting {
  deps.recorder.event(pod, 'Warning', 'Failed', `Error: ${message}`);
  return { reason, message };
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Creates and starts attempt `attempt` of container `c`; returns a waiting reason when it cannot. */
export async function startContainer(ctx: StartContext, c: ContainerSpec, attempt: number): Promise<Waiting | undefined> {
  const { deps, pod } = ctx;
  const uid = pod.metadata.uid ?? '';
  const img = await pullImage(ctx, c);
  if ('reason' in img) return img;
  let env: [string, string][];
  try {
    const sources = await fetchEnvSources(deps.client, pod, c);
    env = resolveEnv(pod, c, sources, { hostIP: deps.network.hostIP, podIPs: [ctx.podIP], nodeCpuMilli: deps.node.cpuMilli, nodeMemoryBytes: deps.node.memoryBytes });
  } catch (err) {
    return failed(deps, pod, err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError', errText(err));
  }
  let volumeMounts;
  let devices;
  try {
    volumeMounts = await deps.volumes.containerMounts(pod, c, Object.fromEntries(env));
    if (Array.isArray(c['volumeDevices']) && c['volumeDevices'].length > 0) {
      if (!deps.volumes.containerDevices) throw new Error(`container "${c.name}" has volumeDevices and this node's volume provider serves no block devices; use volumeMounts`);
      devices = await deps.volumes.containerDevices(pod, c);
    }
  } catch (err) {
    // Bad subPath, a subPathExpr variable that is not set, a volume not in the pod: the pod's config.
    return failed(deps, pod, 'CreateContainerConfigError', errText(err));
  }
  const rt = deps.runtime;
  const meta: InstanceMeta = {
    id: rt.newId(),
    podUid: uid,
    podName: pod.metadata.name ?? '',
    podNamespace: pod.metadata.namespace ?? '',
    name: c.name,
    attempt,
    image: c.image ?? '',
    imageName: img.repoTags[0] ?? c.image ?? '',
    imageRef: img.repoDigests[0] ?? img.id,
    imageId: img.id,
    createdAt: deps.clock.now().toISOString(),
    ...(img.config.StopSignal ? { stopSignal: img.config.StopSignal } : {}),
  };
  let dir: string;
  try {
    dir = await rt.prepare(meta, await deps.images.layerPaths(img.id));
  } catch (err) {
    await rt.purge({ meta, dir: rt.instanceDir(uid, c.name, attempt), state: 'created', oom: false }).catch(() => undefined);
    return failed(deps, pod, 'CreateContainerError', `failed to prepare the rootfs of container "${c.name}": ${errText(err)}`);
  }
  const podDir = rt.podDir(uid);
  const sc = { ...(pod.spec.securityContext ?? {}), ...(c.securityContext ?? {}) } as Record<string, unknown>;
  const podSc = pod.spec.securityContext ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  let user;
  try {
    user = resolveUser({
      ...(num(sc['runAsUser']) !== undefined ? { runAsUser: num(sc['runAsUser']) as number } : {}),
      ...(num(sc['runAsGroup']) !== undefined ? { runAsGroup: num(sc['runAsGroup']) as number } : {}),
      ...(Array.isArray(podSc['supplementalGroups']) ? { supplementalGroups: podSc['supplementalGroups'] as number[] } : {}),
      ...(num(podSc['fsGroup']) !== undefined ? { fsGroup: num(podSc['fsGroup']) as number } : {}),
      ...(img.config.User ? { imageUser: img.config.User } : {}),
      passwd: await imageFile(join(dir, 'rootfs'), '/etc/passwd'),
      group: await imageFile(join(dir, 'rootfs'), '/etc/group'),
    });
    if (sc['runAsNonRoot'] === true && user.uid === 0) throw new Error('container has runAsNonRoot and image will run as root');
  } catch (err) {
    await rt.purge({ meta, dir, state: 'created', oom: false });
    return failed(deps, pod, 'CreateContainerConfigError', errText(err));
  }
  let spec;
  try {
    spec = buildOciSpec({
      pod,
      container: c,
      image: img.config,
      env,
      volumeMounts,
      ...(devices ? { devices } : {}),
      files: { hosts: join(podDir, 'etc-hosts'), resolvConf: join(podDir, 'resolv.conf'), hostname: join(podDir, 'hostname'), terminationLog: join(dir, 'termination-log') },
      namespaces: ctx.ns,
      cgroupsPath: `/${deps.config.cgroupParent}/pod${uid}/${meta.id}`,
      user,
      annotations: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': meta.podName, 'io.kubernetes.pod.namespace': meta.podNamespace, 'io.kubernetes.container.name': c.name },
    });
  } catch (err) {
    await rt.purge({ meta, dir, state: 'created', oom: false });
    return failed(deps, pod, 'CreateContainerError', errText(err));
  }
  deps.recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
  try {
    await rt.start(meta, spec, () => deps.clock.now().toISOString());
  } catch (err) {
    deps.recorder.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
    return undefined;
  }
  deps.recorder.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
  return undefined;
}
