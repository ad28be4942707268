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

/** Bytes of a value as Go's encoding/json writes it (HTML-safe escapes); a JSON null decodes to nil, size 0. */
export function goJsonSize(v: unknown): number {
  if (v === undefined || v === null) return 0;
  const text = JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.byteLength(text);
}
