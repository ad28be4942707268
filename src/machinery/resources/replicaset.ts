// apps/v1 ReplicaSet: keeps a number of pods from one template running.
import { type FieldError, Path } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import { labelSelectorToString } from '../selectors';
import { type JsonObject, isObject } from '../types';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import {
  defaultTemplate,
  nonNegative,
  prepareWorkloadCreate,
  prepareWorkloadStatusUpdate,
  prepareWorkloadUpdate,
  replicasOf,
  statusCount,
  validateReplicaSetTemplate,
  validateSelectorAndLabels,
  validateSelectorImmutable,
  workloadScale,
} from './apps-common';
import { ageColumn, col, ensureObj, nameColumn } from './common';
import { containerCells, dig } from './storage-apps-util';

/** ValidateReplicaSetSpec (its empty-selector message says "deployment", as upstream's does). */
export function validateReplicaSetSpec(spec: JsonObject, path: Path): FieldError[] {
  const errs = [...nonNegative(spec['replicas'], path.child('replicas')), ...nonNegative(spec['minReadySeconds'], path.child('minReadySeconds'))];
  const sel = validateSelectorAndLabels(spec, path, 'deployment', 'invalid label selector');
  errs.push(...sel.errs);
  if (sel.parsed) errs.push(...validateReplicaSetTemplate(spec, path));
  return errs;
}

export const replicaSetDef: ResourceDef = {
  group: 'apps',
  versions: ['v1'],
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'scale'],
  generation: true,

  default(o) {
    const spec = ensureObj(o, 'spec');
    spec['replicas'] ??= 1;
    defaultTemplate(spec);
    // status.replicas has no omitempty upstream, so it always shows.
    ensureObj(o, 'status')['replicas'] ??= 0;
  },
  prepareForCreate: (o) => prepareWorkloadCreate(o, { replicas: 0 }),
  prepareForUpdate: (o, old) => prepareWorkloadUpdate(o, old),
  prepareForStatusUpdate: prepareWorkloadStatusUpdate,
  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    errs.push(...validateReplicaSetSpec(ensureObj(o, 'spec'), new Path('spec')));
    return errs;
  },
  validateUpdate: validateSelectorImmutable,
  scale: workloadScale,
  table: {
    columns: [
      nameColumn(),
      col('Desired', 'Number of desired pods.', { type: 'integer' }),
      col('Current', 'Number of pods currently running or being created.', { type: 'integer' }),
      col('Ready', 'Number of pods targeted by this ReplicaSet with a Ready Condition.', { type: 'integer' }),
      ageColumn(),
      col('Containers', 'Names of each container in the template.', { priority: 1 }),
      col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
      col('Selector', 'Label query over pods that should match the replica count.', { priority: 1 }),
    ],
    row(o, now) {
      const [names, images] = containerCells(dig(o, 'spec', 'template'));
      const sel = dig(o, 'spec', 'selector');
      return [
        o.metadata.name ?? '',
        replicasOf(o),
        statusCount(o, 'replicas'),
        statusCount(o, 'readyReplicas'),
        age(o.metadata.creationTimestamp, now),
        names,
        images,
        labelSelectorToString(isObject(sel) ? (sel) : null),
      ];
    },
  },
};
