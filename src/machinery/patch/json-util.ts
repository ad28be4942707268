// Small JSON helpers shared by the patch engines.
import type { JsonObject } from '../types';

export { clone, deepEqual } from '../deep-equal';

/** Sets an own property even for names like "__proto__", which plain assignment would treat as the prototype. */
export function setKey(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function hasKey(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Go's name for a JSON value's kind, as encoding/json prints it in UnmarshalTypeError. */
export function goJsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}
