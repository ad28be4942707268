// Server-side printing: a meta.k8s.io/v1 Table, as kubectl get asks for it.
import type { ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';

export interface TableOptions {
  /** includeObject: None | Metadata (default) | Object */
  includeObject?: string;
  /** Omit columnDefinitions (later events of a watch). */
  noHeaders?: boolean;
}

export function partialMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function buildTable(
  def: ResourceDef,
  objects: KObject[],
  now: Date,
  meta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  opts: TableOptions = {},
): KObject {
  const rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: def.table.row(o, now) };
    const inc = opts.includeObject ?? 'Metadata';
    if (inc === 'Object') row.object = o;
    else if (inc !== 'None') row.object = partialMetadata(o);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: opts.noHeaders ? [] : def.table.columns,
    rows,
  };
}
