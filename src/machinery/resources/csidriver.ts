// storage.k8s.io/v1 CSIDriver (how Kubernetes treats a CSI driver: attach, pod info, modes) and
// CSINode (the drivers a node runs, with their node IDs and topology keys), as upstream serves them.
import { type FieldError, Path, fe } from '../field-errors';
import { age } from '../printers/age';
import type { ResourceDef } from '../resource';
import type { KObject } from '../types';
import { validateImmutable, validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { arr, ageColumn, col, ensureObj, nameColumn, obj, str } from './common';
import { validateCSIDriverName } from './pv-validation';

const FS_GROUP_POLICIES = ['ReadWriteOnceWithFSType', 'File', 'None'];
const LIFECYCLE_MODES = ['Persistent', 'Ephemeral'];

const bool = (v: unknown): string => (v === true ? 'true' : 'false');

function validateCSIDriver(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o.metadata, { namespaced: false, nameFn: () => [] });
  errs.push(...validateCSIDriverName(o.metadata.name ?? '', new Path('metadata').child('name')));
  const spec = obj(o.spec);
  const sp = new Path('spec');
  for (const f of ['attachRequired', 'podInfoOnMount', 'requiresRepublish', 'storageCapacity']) {
    if (spec[f] === undefined || spec[f] === null) errs.push(fe.required(sp.child(f)));
  }
  const policy = spec['fsGroupPolicy'];
  if (policy !== undefined && !FS_GROUP_POLICIES.includes(String(policy))) errs.push(fe.notSupported(sp.child('fsGroupPolicy'), policy, FS_GROUP_POLICIES));
  arr(spec['volumeLifecycleModes']).forEach((m, i) => {
    if (!LIFECYCLE_MODES.includes(String(m))) errs.push(fe.notSupported(sp.child('volumeLifecycleModes').index(i), m, LIFECYCLE_MODES));
  });
  arr(spec['tokenRequests']).forEach((t, i) => {
    if (str(obj(t)['audience']) === '' && obj(t)['audience'] !== '') errs.push(fe.required(sp.child('tokenRequests').index(i).child('audience')));
  });
  return errs;
}

export const csiDriverDef: ResourceDef = {
  group: 'storage.k8s.io',
  versions: ['v1'],
  kind: 'CSIDriver',
  plural: 'csidrivers',
  singular: 'csidriver',
  shortNames: [],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: true,

  default(o) {
    const spec = ensureObj(o, 'spec');
    spec['attachRequired'] ??= true;
    spec['podInfoOnMount'] ??= false;
    spec['requiresRepublish'] ??= false;
    spec['storageCapacity'] ??= false;
    spec['fsGroupPolicy'] ??= 'ReadWriteOnceWithFSType';
    spec['volumeLifecycleModes'] ??= ['Persistent'];
    spec['seLinuxMount'] ??= false;
  },
  validate: validateCSIDriver,
  validateUpdate(o, old) {
    const s = obj(o.spec);
    const was = obj(old.spec);
    const sp = new Path('spec');
    return [
      ...validateImmutable(s['attachRequired'], was['attachRequired'], sp.child('attachRequired')),
      ...validateImmutable(s['fsGroupPolicy'], was['fsGroupPolicy'], sp.child('fsGroupPolicy')),
      ...validateImmutable(s['volumeLifecycleModes'], was['volumeLifecycleModes'], sp.child('volumeLifecycleModes')),
    ];
  },
  table: {
    columns: [
      nameColumn(),
      col('AttachRequired', 'Indicates this CSI volume driver requires an attach operation.', { type: 'boolean' }),
      col('PodInfoOnMount', 'Indicates this CSI volume driver requires additional pod information during mount operations.', { type: 'boolean' }),
      col('StorageCapacity', 'Indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.', { type: 'boolean' }),
      col('TokenRequests', 'Indicates the CSI volume driver requires the service account token.'),
      col('RequiresRepublish', 'Indicates the CSI volume driver wants NodePublishVolume called periodically.', { type: 'boolean' }),
      col('Modes', 'Indicates the volume lifecycle modes the driver supports.'),
      ageColumn(),
    ],
    row(o, now) {
      const s = obj(o.spec);
      const tokens = arr(s['tokenRequests']).map((t) => str(obj(t)['audience']) || '<unset>');
      const modes = arr(s['volumeLifecycleModes']).map(String);
      return [o.metadata.name ?? '', bool(s['attachRequired']), bool(s['podInfoOnMount']), bool(s['storageCapacity']), tokens.length ? tokens.join(',') : '<unset>', bool(s['requiresRepublish']), modes.length ? modes.join(',') : '<none>', age(o.metadata.creationTimestamp, now)];
    },
  },
};

export const csiNodeDef: ResourceDef = {
  group: 'storage.k8s.io',
  versions: ['v1'],
  kind: 'CSINode',
  plural: 'csinodes',
  singular: 'csinode',
  shortNames: [],
  categories: [],
  namespaced: false,
  subresources: [],
  generation: false,

  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
    const drivers = arr(obj(o.spec)['drivers']);
    const dp = new Path('spec').child('drivers');
    const seen = new Set<string>();
    drivers.forEach((d, i) => {
      const name = str(obj(d)['name']);
      errs.push(...validateCSIDriverName(name, dp.index(i).child('name')));
      if (seen.has(name)) errs.push(fe.duplicate(dp.index(i).child('name'), name));
      seen.add(name);
      if (str(obj(d)['nodeID']) === '') errs.push(fe.required(dp.index(i).child('nodeID')));
    });
    return errs;
  },
  table: {
    columns: [nameColumn(), col('Drivers', 'Number of CSI drivers registered on the node', { type: 'integer' }), ageColumn()],
    row(o, now) {
      return [o.metadata.name ?? '', arr(obj(o.spec)['drivers']).length, age(o.metadata.creationTimestamp, now)];
    },
  },
};
