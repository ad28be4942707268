// apps/v1 Deployment: replicas of a pod template rolled out through ReplicaSets.
import { type FieldError, Path, fe } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import {
  defaultTemplate,
  intOrPercentValue,
  nonNegative,
  notMoreThan100Percent,
  prepareWorkloadCreate,
  prepareWorkloadStatusUpdate,
  prepareWorkloadUpdate,
  replicasOf,
  selectorText,
  statusCount,
  validatePositiveIntOrPercent,
  validateReplicaSetTemplate,
  validateSelectorAndLabels,
  validateSelectorImmutable,
  workloadScale,
  goIntOrString,
  GO_ADDR,
} from './apps-common';
import { ageColumn, col, ensureObj, nameColumn } from './common';
import { asNum, asStr, containerCells, dig, invalidRendered } from './storage-apps-util';

/** SetDefaults_Deployment (apps/v1) plus the pod template defaults. */
export function defaultDeployment(o: KObject): void {
  const spec = ensureObj(o, 'spec');
  spec['replicas'] ??= 1;
  const strategy = ensureObj(spec, 'strategy');
  if (!strategy['type']) strategy['type'] = 'RollingUpdate';
  if (strategy['type'] === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    ru['maxUnavailable'] ??= '25%';
    ru['maxSurge'] ??= '25%';
  }
  spec['revisionHistoryLimit'] ??= 10;
  spec['progressDeadlineSeconds'] ??= 600;
  defaultTemplate(spec);
  // Go always serializes the (all-omitempty) status as {}.
  ensureObj(o, 'status');
}

function goStrategy(s: JsonObject): string {
  const ru = s['rollingUpdate'];
  const ptr = `(*apps.RollingUpdateDeployment)(${isObject(ru) ? GO_ADDR : 'nil'})`;
  return `apps.DeploymentStrategy{Type:${JSON.stringify(asStr(s['type']) ?? '')}, RollingUpdate:${ptr}}`;
}

function validateStrategy(strategy: JsonObject, path: Path): FieldError[] {
  const type = asStr(strategy['type']) ?? '';
  const ru = strategy['rollingUpdate'];
  if (type === 'Recreate') {
    return isObject(ru) ? [fe.forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type !== 'RollingUpdate') {
    const rendered = goStrategy(strategy);
    return [{ type: 'FieldValueNotSupported', field: path.toString(), value: rendered, hasValue: false, detail: `${rendered}: supported values: "Recreate", "RollingUpdate"` }];
  }
  if (!isObject(ru)) return [fe.required(path.child('rollingUpdate'), 'this should be defaulted and never be nil')];
  const rp = path.child('rollingUpdate');
  const errs = [
    ...validatePositiveIntOrPercent(ru['maxUnavailable'], rp.child('maxUnavailable')),
    ...validatePositiveIntOrPercent(ru['maxSurge'], rp.child('maxSurge')),
  ];
  if (intOrPercentValue(ru['maxUnavailable']) === 0 && intOrPercentValue(ru['maxSurge']) === 0) {
    errs.push(invalidRendered(rp.child('maxUnavailable').toString(), goIntOrString(ru['maxUnavailable']), 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...notMoreThan100Percent(ru['maxUnavailable'], rp.child('maxUnavailable')));
  return errs;
}

/** ValidateDeploymentSpec. */
export function validateDeploymentSpec(spec: JsonObject, path: Path): FieldError[] {
  const errs = nonNegative(spec['replicas'], path.child('replicas'));
  const sel = validateSelectorAndLabels(spec, path, 'deployment', 'invalid label selector');
  errs.push(...sel.errs);
  if (sel.parsed) errs.push(...validateReplicaSetTemplate(spec, path));
  errs.push(...validateStrategy(isObject(spec['strategy']) ? spec['strategy'] : {}, path.child('strategy')));
  errs.push(...nonNegative(spec['minReadySeconds'], path.child('minReadySeconds')));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], path.child('revisionHistoryLimit')));
  const pds = asNum(spec['progressDeadlineSeconds']);
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, path.child('progressDeadlineSeconds')));
    if (pds <= (asNum(spec['minReadySeconds']) ?? 0)) errs.push(fe.invalid(path.child('progressDeadlineSeconds'), pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export const deploymentDef: ResourceDef = {
  group: 'apps',
  versions: ['v1'],
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'scale'],
  generation: true,

  default: defaultDeployment,
  prepareForCreate: (o) => prepareWorkloadCreate(o, {}),
  // Annotations are copied to ReplicaSets, so changing them is a new generation too.
  prepareForUpdate: (o, old) => prepareWorkloadUpdate(o, old, true),
  prepareForStatusUpdate: prepareWorkloadStatusUpdate,
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    errs.push(...validateDeploymentSpec(ensureObj(o, 'spec'), new Path('spec')));
    return errs;
  },
  validateUpdate: validateSelectorImmutable,
  scale: workloadScale,
  table: {
    columns: [
      nameColumn(),
      col('Ready', 'Number of the pod with ready state'),
      col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      ageColumn(),
      col('Containers', 'Names of each container in the template.', { priority: 1 }),
      col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
      col('Selector', 'Label query over pods that should match the replicas count.', { priority: 1 }),
    ],
    row(o, now) {
      const [names, images] = containerCells(dig(o, 'spec', 'template'));
      return [
        o.metadata.name ?? '',
        `${statusCount(o, 'readyReplicas')}/${replicasOf(o)}`,
        statusCount(o, 'updatedReplicas'),
        statusCount(o, 'availableReplicas'),
        age(o.metadata.creationTimestamp, now),
        names,
        images,
        selectorText(dig(o, 'spec', 'selector')) ?? '<invalid>',
      ];
    },
  },
};
