// apps/v1 StatefulSet: ordered pods with stable identities and per-pod claims.
import { type FieldError, Path, fe } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateAnnotations, validateLabels } from '../validation/labels';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSLabel } from '../validation/names';
import {
  defaultTemplate,
  GO_ADDR,
  goIntOrString,
  intOrPercentValue,
  nonNegative,
  notMoreThan100Percent,
  prepareWorkloadCreate,
  prepareWorkloadStatusUpdate,
  prepareWorkloadUpdate,
  replicasOf,
  statusCount,
  validatePositiveIntOrPercent,
  validateSelectorAndLabels,
  workloadScale,
} from './apps-common';
import { ageColumn, col, ensureObj, nameColumn } from './common';
import { defaultPVCSpec } from './persistentvolumeclaim';
import { asArr, asStr, containerCells, dig, invalidRendered, semanticEqual } from './storage-apps-util';

const RETENTION = ['Retain', 'Delete'];
const UPDATABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];
const FORBIDDEN_UPDATE =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/** SetDefaults_StatefulSet (apps/v1), template defaults, and claim-template defaults. */
export function defaultStatefulSet(o: KObject): void {
  const spec = ensureObj(o, 'spec');
  if (!spec['podManagementPolicy']) spec['podManagementPolicy'] = 'OrderedReady';
  const us = ensureObj(spec, 'updateStrategy');
  if (!us['type']) {
    us['type'] = 'RollingUpdate';
    ensureObj(us, 'rollingUpdate');
  }
  if (us['type'] === 'RollingUpdate' && isObject(us['rollingUpdate'])) us['rollingUpdate']['partition'] ??= 0;
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!retention['whenDeleted']) retention['whenDeleted'] = 'Retain';
  if (!retention['whenScaled']) retention['whenScaled'] = 'Retain';
  spec['replicas'] ??= 1;
  spec['revisionHistoryLimit'] ??= 10;
  defaultTemplate(spec);
  // Claim templates are full PersistentVolumeClaims and get their defaults, status included.
  for (const t of asArr(spec['volumeClaimTemplates'])) {
    if (!isObject(t)) continue;
    t['apiVersion'] ??= 'v1';
    t['kind'] ??= 'PersistentVolumeClaim';
    const meta = ensureObj(t, 'metadata');
    if (!('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
    defaultPVCSpec(ensureObj(t, 'spec'), 'StatefulSet');
    const status = ensureObj(t, 'status');
    if (!status['phase']) status['phase'] = 'Pending';
  }
  // replicas and availableReplicas have no omitempty upstream.
  const status = ensureObj(o, 'status');
  status['replicas'] ??= 0;
  status['availableReplicas'] ??= 0;
}

/** Go's %#v of the internal RollingUpdateStatefulSetStrategy (nested pointers print as addresses). */
function goRollingUpdate(ru: JsonObject): string {
  const mu = ru['maxUnavailable'];
  const rendered = `(*intstr.IntOrString)(${mu === undefined || mu === null ? 'nil' : GO_ADDR})`;
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${typeof ru['partition'] === 'number' ? ru['partition'] : 0}, MaxUnavailable:${rendered}}`;
}

function validateUpdateStrategy(us: JsonObject, path: Path): FieldError[] {
  const type = asStr(us['type']) ?? '';
  const ru = us['rollingUpdate'];
  if (type === '') return [fe.required(path)];
  if (type === 'OnDelete') {
    return isObject(ru) ? [invalidRendered(path.child('rollingUpdate').toString(), goRollingUpdate(ru), "only allowed for updateStrategy 'RollingUpdate'")] : [];
  }
  if (type !== 'RollingUpdate') {
    const inner = `(*apps.RollingUpdateStatefulSetStrategy)(${isObject(ru) ? GO_ADDR : 'nil'})`;
    return [invalidRendered(path.toString(), `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${inner}}`, "must be 'RollingUpdate' or 'OnDelete'")];
  }
  if (!isObject(ru)) return [];
  const rp = path.child('rollingUpdate');
  const errs = nonNegative(ru['partition'], rp.child('partition'));
  const mu = ru['maxUnavailable'];
  if (mu !== undefined && mu !== null) {
    const mp = rp.child('maxUnavailable');
    errs.push(...validatePositiveIntOrPercent(mu, mp));
    if (intOrPercentValue(mu) === 0) errs.push(invalidRendered(mp.toString(), goIntOrString(mu), 'cannot be 0'));
    errs.push(...notMoreThan100Percent(mu, mp));
  }
  return errs;
}

/** ValidateStatefulSetSpec (the pod spec itself is not validated upstream, only labels). */
export function validateStatefulSetSpec(spec: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const pmp = asStr(spec['podManagementPolicy']) ?? '';
  if (!pmp) errs.push(fe.required(path.child('podManagementPolicy')));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fe.invalid(path.child('podManagementPolicy'), pmp, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(isObject(spec['updateStrategy']) ? spec['updateStrategy'] : {}, path.child('updateStrategy')));
  const retention = spec['persistentVolumeClaimRetentionPolicy'];
  if (isObject(retention)) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      const v = asStr(retention[k]) ?? '';
      if (!RETENTION.includes(v)) errs.push(fe.notSupported(path.child('persistentVolumeClaimRetentionPolicy', k), v, RETENTION));
    }
  }
  errs.push(...nonNegative(spec['replicas'], path.child('replicas')));
  errs.push(...nonNegative(spec['minReadySeconds'], path.child('minReadySeconds')));
  if (isObject(spec['ordinals'])) errs.push(...nonNegative(spec['ordinals']['start'], path.child('ordinals.start')));

  const sel = validateSelectorAndLabels(spec, path, 'statefulset', '');
  errs.push(...sel.errs);
  if (sel.parsed) {
    const meta = dig(spec, 'template', 'metadata');
    const tp = path.child('template');
    errs.push(...validateLabels(dig(meta, 'labels') as Record<string, string> | undefined, tp.child('labels')));
    errs.push(...validateAnnotations(dig(meta, 'annotations') as Record<string, string> | undefined, tp.child('annotations')));
  }
  const rp = asStr(dig(spec, 'template', 'spec', 'restartPolicy')) ?? '';
  if (rp !== 'Always') errs.push(fe.notSupported(path.child('template', 'spec', 'restartPolicy'), rp, ['Always']));
  if (dig(spec, 'template', 'spec', 'activeDeadlineSeconds') !== undefined) {
    errs.push(fe.forbidden(path.child('template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

/** ValidateStatefulSetUpdate: only the listed spec fields may change. */
export function validateStatefulSetUpdate(o: KObject, old: KObject): FieldError[] {
  const a = { ...(isObject(o['spec']) ? o['spec'] : {}) };
  const b = { ...(isObject(old['spec']) ? old['spec'] : {}) };
  for (const k of UPDATABLE) {
    delete a[k];
    delete b[k];
  }
  return semanticEqual(a, b) ? [] : [fe.forbidden('spec', FORBIDDEN_UPDATE)];
}

export const statefulSetDef: ResourceDef = {
  group: 'apps',
  versions: ['v1'],
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'scale'],
  generation: true,

  default: defaultStatefulSet,
  prepareForCreate: (o) => prepareWorkloadCreate(o, { replicas: 0, availableReplicas: 0 }),
  prepareForUpdate: (o, old) => prepareWorkloadUpdate(o, old),
  prepareForStatusUpdate: prepareWorkloadStatusUpdate,
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSLabel });
    errs.push(...validateStatefulSetSpec(ensureObj(o, 'spec'), new Path('spec')));
    return errs;
  },
  validateUpdate: validateStatefulSetUpdate,
  scale: workloadScale,
  table: {
    columns: [
      nameColumn(),
      col('Ready', 'Number of the pod with ready state'),
      ageColumn(),
      col('Containers', 'Names of each container in the template.', { priority: 1 }),
      col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    ],
    row(o, now) {
      const [names, images] = containerCells(dig(o, 'spec', 'template'));
      return [o.metadata.name ?? '', `${statusCount(o, 'readyReplicas')}/${replicasOf(o)}`, age(o.metadata.creationTimestamp, now), names, images];
    },
  },
};
