// labelSelector and fieldSelector query parameters as one predicate over stored objects.
import { errors } from '../../machinery/errors';
import type { ResourceDef } from '../../machinery/resource';
import { SelectorError, checkFieldLabels, matchFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../machinery/selectors';
import type { KObject } from '../../machinery/types';

/** The field labels a resource can be selected by. */
export function objectFields(def: ResourceDef, obj: KObject): Record<string, string> {
  return {
    'metadata.name': obj.metadata.name ?? '',
    ...(def.namespaced ? { 'metadata.namespace': obj.metadata.namespace ?? '' } : {}),
    ...(def.fields?.(obj) ?? {}),
  };
}

export function objectFilter(def: ResourceDef, labelSelector: string, fieldSelector: string): ((o: KObject) => boolean) | undefined {
  if (!labelSelector && !fieldSelector) return undefined;
  try {
    const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
    const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
    checkFieldLabels(fields, Object.keys(objectFields(def, { metadata: {} })));
    if (labels.length === 0 && fields.length === 0) return undefined;
    return (o) => matchesLabels(labels, o.metadata.labels) && matchFields(fields, objectFields(def, o));
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    const gv = `${def.group}/${def.versions[0] ?? 'v1'}`;
    throw errors.badRequest(
      `Unable to find "${gv}, Resource=${def.plural}" that match label selector "${labelSelector}", field selector "${fieldSelector}": ${err.message}`,
      err,
    );
  }
}
