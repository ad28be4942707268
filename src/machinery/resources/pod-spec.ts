// PodSpec and PodTemplateSpec validation entry points, shared by pods and workload templates.
import { type FieldError, Path, fe } from '../field-errors';
import type { JsonObject } from '../types';
import { validateAnnotations, validateLabels } from '../validation/labels';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names';
import { arr, obj, str } from './common';
import { validateContainers } from './pod-containers';
import { validateVolumes } from './pod-volumes';

export { defaultPodSpec, defaultPodOnly, admitPodSpec } from './pod-defaults';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const MAX_UINT32 = 4294967295;

function validateDnsLabelField(v: unknown, path: Path, errs: FieldError[]): void {
  const s = str(v);
  if (s) for (const m of isDNS1123Label(s)) errs.push(fe.invalid(path, s, m));
}

function validateSubdomainField(v: unknown, path: Path, errs: FieldError[]): void {
  const s = str(v);
  if (s) for (const m of isDNS1123Subdomain(s)) errs.push(fe.invalid(path, s, m));
}

/** ValidatePodSpec: `path` is the spec's own path (e.g. "spec" or "spec.template.spec"). */
export function validatePodSpec(spec: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const { errs: volErrs, names: volumes } = validateVolumes(spec.volumes, path.child('volumes'));
  errs.push(...volErrs);
  const containerNames = new Set<string>();
  if (arr(spec.containers).length === 0) errs.push(fe.required(path.child('containers')));
  errs.push(...validateContainers(spec.containers, volumes, path.child('containers'), containerNames));
  errs.push(...validateContainers(spec.initContainers, volumes, path.child('initContainers'), containerNames));

  const rp = str(spec.restartPolicy);
  if (!rp) errs.push(fe.required(path.child('restartPolicy')));
  else if (!RESTART_POLICIES.includes(rp)) errs.push(fe.notSupported(path.child('restartPolicy'), rp, RESTART_POLICIES));
  const dp = str(spec.dnsPolicy);
  if (!dp) errs.push(fe.required(path.child('dnsPolicy')));
  else if (!DNS_POLICIES.includes(dp)) errs.push(fe.notSupported(path.child('dnsPolicy'), dp, DNS_POLICIES));
  if (dp === 'None' && !spec.dnsConfig) errs.push(fe.required(path.child('dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));

  errs.push(...validateLabels(obj(spec.nodeSelector) as Record<string, string>, path.child('nodeSelector')));
  validateSubdomainField(spec.serviceAccountName, path.child('serviceAccountName'), errs);
  validateSubdomainField(spec.nodeName, path.child('nodeName'), errs);
  validateDnsLabelField(spec.hostname, path.child('hostname'), errs);
  validateDnsLabelField(spec.subdomain, path.child('subdomain'), errs);

  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = Number(spec.activeDeadlineSeconds);
    if (!(v >= 1 && v <= MAX_UINT32)) errs.push(fe.invalid(path.child('activeDeadlineSeconds'), spec.activeDeadlineSeconds, `must be between 1 and ${MAX_UINT32}, inclusive`));
  }
  arr(spec.tolerations).forEach((raw, i) => {
    const t = obj(raw);
    const tp = path.child('tolerations').index(i);
    const op = str(t.operator);
    if (op && op !== 'Exists' && op !== 'Equal') errs.push(fe.notSupported(tp.child('operator'), op, ['Equal', 'Exists']));
    if (op === 'Exists' && str(t.value)) errs.push(fe.invalid(tp.child('operator'), t.value, 'value must be empty when `operator` is \'Exists\''));
    if (!str(t.key) && op !== 'Exists') errs.push(fe.invalid(tp.child('operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    const effect = str(t.effect);
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(fe.notSupported(tp.child('effect'), effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    }
    if (t.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      errs.push(fe.invalid(tp.child('effect'), effect, 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
    }
  });
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations plus the spec. */
export function validatePodTemplate(template: JsonObject, path: Path): FieldError[] {
  const meta = obj(template.metadata);
  // Upstream names the embedded ObjectMeta's fields directly under the template.
  return [
    ...validateLabels(obj(meta.labels) as Record<string, string>, path.child('labels')),
    ...validateAnnotations(obj(meta.annotations) as Record<string, string>, path.child('annotations')),
    ...validatePodSpec(obj(template.spec), path.child('spec')),
  ];
}
