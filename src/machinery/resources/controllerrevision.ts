// apps/v1 ControllerRevision: an immutable snapshot of a workload's template that StatefulSets
// (and DaemonSets) keep as their history; `kubectl rollout history|undo` read them.
import { Path, fe } from '../field-errors';
import { deepEqual } from '../deep-equal';
import type { ResourceDef } from '../resource';
import { age } from '../printers/age';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { ageColumn, col, nameColumn } from './common';

/** The printed CONTROLLER column: `<resource>.<group>/<name>` of the controlling owner. */
function controllerOf(o: { metadata: { ownerReferences?: { kind: string; name: string; apiVersion: string; controller?: boolean }[] } }): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] ?? '' : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

export const controllerRevisionDef: ResourceDef = {
  group: 'apps',
  versions: ['v1'],
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  shortNames: [],
  categories: [],
  namespaced: true,
  subresources: [],
  generation: false,

  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    const rev = (o as { revision?: unknown }).revision;
    if (typeof rev !== 'number' || !Number.isInteger(rev)) errs.push(fe.required(new Path('revision'), 'revision must be an integer'));
    else if (rev < 0) errs.push(fe.invalid(new Path('revision'), rev, 'must be greater than or equal to 0'));
    return errs;
  },
  validateUpdate(o, old) {
    const data = (x: unknown) => (x as { data?: unknown }).data;
    return deepEqual(data(o), data(old)) ? [] : [fe.invalid(new Path('data'), '', 'field is immutable')];
  },
  table: {
    columns: [nameColumn(), col('Controller', 'Controller of the object'), col('Revision', 'Revision of the ControllerRevision', { type: 'integer' }), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', controllerOf(o), (o as { revision?: number }).revision ?? 0, age(o.metadata.creationTimestamp, now)];
    },
  },
};
