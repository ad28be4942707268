// core/v1 Node: cluster-scoped, status written by the node agent, table as printNode.
import { type FieldError, Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { type KObject, isObject } from '../types';
import { age } from '../printers/age';
import { validateObjectMeta, validateImmutable } from '../validation/meta';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names';
import { arr, col, clone, keepStatus, nameColumn, ageColumn, obj, str } from './common';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function nodeStatusCell(o: KObject): string {
  const status = obj(o.status);
  const ready = arr(status.conditions).map(obj).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj(o.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

const address = (o: KObject, type: string): string => str(arr(obj(o.status).addresses).map(obj).find((a) => a.type === type)?.address) || '<none>';

function validateTaints(o: KObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(obj(o.spec).taints).forEach((raw, i) => {
    const t = obj(raw);
    const p = new Path('spec').child('taints').index(i);
    for (const m of isQualifiedName(str(t.key))) errs.push(fe.invalid(p.child('key'), str(t.key), m));
    const effect = str(t.effect);
    if (!effect) errs.push(fe.required(p.child('effect')));
    else if (!TAINT_EFFECTS.includes(effect)) errs.push(fe.notSupported(p.child('effect'), effect, TAINT_EFFECTS));
  });
  return errs;
}

export const nodeDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  categories: [],
  namespaced: false,
  subresources: ['status', 'proxy'],
  generation: false,

  default(o) {
    // Allocatable defaults to capacity when the node does not report it.
    const status = o.status;
    if (isObject(status) && isObject(status.capacity) && status.allocatable === undefined) status.allocatable = clone(status.capacity);
  },
  // Nodes may set status on create (the agent registers with it), so no prepareForCreate.
  prepareForUpdate(o, old) {
    keepStatus(o, old);
  },
  prepareForStatusUpdate(o, old) {
    o.spec = clone(old.spec);
  },
  validate(o) {
    return [...validateObjectMeta(o.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }), ...validateTaints(o)];
  },
  validateUpdate(o, old) {
    const errs: FieldError[] = [];
    const spec = obj(o.spec);
    const oldSpec = obj(old.spec);
    // providerID and podCIDR(s) may be set once, then never changed.
    for (const k of ['providerID', 'podCIDR', 'podCIDRs']) {
      if (oldSpec[k] !== undefined && oldSpec[k] !== '' && JSON.stringify(spec[k]) !== JSON.stringify(oldSpec[k])) {
        errs.push(...validateImmutable(spec[k], oldSpec[k], new Path('spec').child(k)));
      }
    }
    return errs;
  },
  fields(o) {
    return { 'spec.unschedulable': String(obj(o.spec).unschedulable === true) };
  },
  table: {
    columns: [
      nameColumn(),
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      ageColumn(),
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
      col('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
      col('OS-Image', 'OS Image reported by the node from /etc/os-release.', { priority: 1 }),
      col('Kernel-Version', "Kernel Version reported by the node from 'uname -r'.", { priority: 1 }),
      col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API.', { priority: 1 }),
    ],
    row(o, now) {
      const info = obj(obj(o.status).nodeInfo);
      return [
        o.metadata.name ?? '',
        nodeStatusCell(o),
        nodeRoles(o.metadata.labels),
        age(o.metadata.creationTimestamp, now),
        str(info.kubeletVersion),
        address(o, 'InternalIP'),
        address(o, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ];
    },
  },
};
