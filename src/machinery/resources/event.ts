// core/v1 Event: selectable fields used by `kubectl describe`, table as printEvent.
import { Path, fe } from '../field-errors';
import type { ResourceDef } from '../resource';
import { age } from '../printers/age';
import { validateObjectMeta } from '../validation/meta';
import { nameIsDNSSubdomain } from '../validation/names';
import { col, nameColumn, obj, str } from './common';

const NAMESPACED_LESS_KINDS = new Set(['Node', 'Namespace', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding']);

export const eventDef: ResourceDef = {
  group: '',
  versions: ['v1'],
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  subresources: [],
  generation: false,

  validate(o) {
    const errs = validateObjectMeta(o.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
    const inv = obj(o.involvedObject);
    const ns = str(inv.namespace);
    // Events about namespaced objects live in that object's namespace.
    if (ns && ns !== o.metadata.namespace && !NAMESPACED_LESS_KINDS.has(str(inv.kind))) {
      errs.push(fe.invalid(new Path('involvedObject').child('namespace'), ns, 'does not match event.namespace'));
    }
    return errs;
  },
  fields(o) {
    const inv = obj(o.involvedObject);
    const source = str(obj(o.source).component) || str(o.reportingComponent);
    return {
      'involvedObject.kind': str(inv.kind),
      'involvedObject.namespace': str(inv.namespace),
      'involvedObject.name': str(inv.name),
      'involvedObject.uid': str(inv.uid),
      'involvedObject.apiVersion': str(inv.apiVersion),
      'involvedObject.resourceVersion': str(inv.resourceVersion),
      'involvedObject.fieldPath': str(inv.fieldPath),
      reason: str(o.reason),
      reportingComponent: str(o.reportingComponent),
      source,
      type: str(o.type),
    };
  },
  table: {
    columns: [
      col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
      col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col('Object', 'The object that this event is about.'),
      col('Subobject', 'The field of the involved object this event is about, if any.', { priority: 1 }),
      col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'The time at which the event was first recorded.', { priority: 1 }),
      col('Count', 'The number of times this event has occurred.', { priority: 1 }),
      { ...nameColumn(), priority: 1 },
    ],
    row(o, now) {
      const inv = obj(o.involvedObject);
      const series = o.series === undefined || o.series === null ? undefined : obj(o.series);
      let first = o.firstTimestamp ? age(str(o.firstTimestamp), now) : age(str(o.eventTime), now);
      if (!o.firstTimestamp && !o.eventTime) first = '<unknown>';
      let last = o.lastTimestamp ? age(str(o.lastTimestamp), now) : first;
      let count = Number(o.count ?? 0);
      if (series) {
        last = age(str(series.lastObservedTime), now);
        count = Number(series.count ?? 0);
      } else if (count === 0) count = 1;
      const kind = str(inv.kind).toLowerCase();
      const target = str(inv.name) ? `${kind}/${str(inv.name)}` : kind;
      const component = str(obj(o.source).component) || str(o.reportingComponent);
      const host = str(obj(o.source).host) || str(o.reportingInstance);
      const source = host ? `${component}, ${host}` : component;
      return [last, str(o.type), str(o.reason), target, str(inv.fieldPath), source, str(o.message).trim(), first, count, o.metadata.name ?? ''];
    },
  },
};
