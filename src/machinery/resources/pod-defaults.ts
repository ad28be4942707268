// core/v1 defaulting for PodSpec (pkg/apis/core/v1/defaults.go), applied in place.
import type { JsonObject } from '../types';
import { isObject } from '../types';
import { arr, ensureObj, obj, str } from './common';

const DEFAULT_MODE = 0o644; // 420

/** Image tag as the kubelet's parser sees it: "latest" when neither tag nor digest is given. */
export function imageTag(image: string): string {
  const [beforeDigest, digest] = image.split('@', 2);
  const lastSlash = (beforeDigest ?? '').lastIndexOf('/');
  const tail = (beforeDigest ?? '').slice(lastSlash + 1);
  const colon = tail.lastIndexOf(':');
  const tag = colon >= 0 ? tail.slice(colon + 1) : '';
  if (!tag && !digest) return 'latest';
  return tag;
}

function defaultProbe(p: unknown): void {
  if (!isObject(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isObject(p.httpGet)) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
  if (isObject(p.grpc)) p.grpc.service ??= '';
}

function defaultLifecycleHandler(h: unknown): void {
  if (isObject(h) && isObject(h.httpGet)) {
    h.httpGet.path ??= '/';
    h.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: JsonObject): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === '') {
    c.imagePullPolicy = imageTag(str(c.image)) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  for (const p of arr(c.ports)) {
    if (!isObject(p)) continue;
    if (!p.protocol) p.protocol = 'TCP';
  }
  for (const e of arr(c.env)) {
    const fieldRef = isObject(e) ? obj(e.valueFrom).fieldRef : undefined;
    if (isObject(fieldRef)) fieldRef.apiVersion ??= 'v1';
  }
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[k]);
  if (isObject(c.lifecycle)) {
    defaultLifecycleHandler(c.lifecycle.postStart);
    defaultLifecycleHandler(c.lifecycle.preStop);
  }
}

function defaultVolume(v: JsonObject): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = v[k];
    if (isObject(s)) s.defaultMode ??= DEFAULT_MODE;
  }
  if (isObject(v.hostPath)) v.hostPath.type ??= '';
  if (isObject(v.downwardAPI)) {
    for (const it of arr(v.downwardAPI.items)) {
      if (isObject(it) && isObject(it.fieldRef)) it.fieldRef.apiVersion ??= 'v1';
    }
  }
  if (isObject(v.projected)) {
    for (const src of arr(v.projected.sources)) {
      if (isObject(src) && isObject(src.serviceAccountToken)) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
}

/**
 * SetDefaults_PodSpec and the per-field defaulters below it, in place. Workload pod templates get
 * exactly this; what only a Pod gets is in defaultPodOnly.
 */
export function defaultPodSpec(spec: JsonObject): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  if (!isObject(spec.securityContext)) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  // The deprecated serviceAccount field mirrors serviceAccountName (v1 conversion).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of arr(spec[list])) if (isObject(c)) defaultContainer(c);
  }
  for (const v of arr(spec.volumes)) if (isObject(v)) defaultVolume(v);
}

/**
 * SetDefaults_Pod: defaults upstream keeps out of SetDefaults_PodSpec so they materialize on Pods
 * only and never in a Deployment's or StatefulSet's stored template (adding them there would
 * change the template hash and roll every workload on upgrade). Ephemeral containers are not
 * touched, as upstream only walks containers and initContainers here.
 */
export function defaultPodOnly(spec: JsonObject): void {
  const containers = [...arr(spec.containers), ...arr(spec.initContainers)].filter(isObject);
  for (const c of containers) {
    // Limits without requests make the requests equal to the limits.
    if (isObject(c.resources) && isObject(c.resources.limits)) {
      const req = ensureObj(c.resources, 'requests');
      for (const [k, v] of Object.entries(c.resources.limits)) if (req[k] === undefined) req[k] = v;
    }
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork !== true) return;
  // Host networking exposes each container port on the host as is.
  for (const c of containers) {
    for (const p of arr(c.ports)) if (isObject(p) && (p.hostPort === undefined || p.hostPort === 0)) p.hostPort = p.containerPort;
  }
}

const TOLERATED_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/**
 * What kube-apiserver's admission plugins add to a new pod: ServiceAccount (serviceAccountName
 * "default"), Priority (priority 0, preemptionPolicy), DefaultTolerationSeconds (300 s for
 * not-ready/unreachable). The service-account token volume and mounts are left to the caller,
 * which knows the token source.
 */
export function admitPodSpec(spec: JsonObject): void {
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (!spec.priorityClassName) spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const tolerations = arr(spec.tolerations).filter(isObject);
  for (const key of TOLERATED_TAINTS) {
    const covered = tolerations.some(
      (t) => (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute') && (t.key === key || (!t.key && t.operator === 'Exists')),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}
