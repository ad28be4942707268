// Small helpers shared by the core resource definitions: loose JSON access, standard columns,
// and the usual strategy pieces (status kept on main updates, spec kept on status updates).
import { clone } from '../deep-equal';
import type { TableColumn } from '../resource';
import { type JsonObject, type KObject, isObject } from '../types';

export const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
};

/** Returns obj[key] as an object, creating it when absent. */
export function ensureObj(o: JsonObject, key: string): JsonObject {
  const cur = o[key];
  if (isObject(cur)) return cur;
  const fresh: JsonObject = {};
  o[key] = fresh;
  return fresh;
}

export const col = (name: string, description: string, opts: Partial<Pick<TableColumn, 'type' | 'format' | 'priority'>> = {}): TableColumn => ({
  name,
  type: opts.type ?? 'string',
  format: opts.format ?? '',
  description,
  priority: opts.priority ?? 0,
});

// Descriptions are paraphrases of the API field docs; kubectl does not print them.
export const nameColumn = (): TableColumn =>
  col('Name', 'Name must be unique within a namespace. Is required when creating resources. Cannot be updated.', { format: 'name' });
export const ageColumn = (): TableColumn =>
  col('Age', 'CreationTimestamp is the server time when this object was created, in RFC3339 form and UTC. Populated by the system. Read-only.');

export { clone };

/** Main-resource update of a kind with a status subresource: status cannot change here. */
export function keepStatus(o: KObject, old: KObject): void {
  if (old.status === undefined) delete o.status;
  else o.status = clone(old.status);
}

/** Status update: everything but status (and metadata edits the status path ignores) stays. */
export function keepAllButStatus(o: KObject, old: KObject): void {
  for (const k of Object.keys(o)) if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete o[k];
  for (const [k, v] of Object.entries(old)) if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') o[k] = clone(v);
}
