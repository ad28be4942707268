// The part configMap and secret volumes (and their projected sources) share: which keys become
// which files with which mode.
import { payloadPathError } from './paths';
import { type Payload, modeOf } from './payload';

export interface KeyToPath {
  key?: unknown;
  path?: unknown;
  mode?: unknown;
}

export interface KeySource {
  items?: KeyToPath[];
  optional?: boolean;
}

/**
 * Projects `values` (key → bytes) through `items` (all keys when absent). A missing key is an
 * error unless `optional`; `missingKeyMessage` is the plugin's wording.
 */
export function projectKeys(values: Map<string, Buffer>, src: KeySource, defaultMode: number, missingKeyMessage: (key: string) => string): Payload {
  const out: Payload = new Map();
  const put = (path: string, data: Buffer, mode: number) => {
    const err = payloadPathError(path);
    if (err) throw new Error(err);
    out.set(path, { data, mode });
  };
  const items = Array.isArray(src.items) ? src.items : [];
  if (items.length === 0) {
    for (const [k, v] of values) put(k, v, defaultMode);
    return out;
  }
  for (const it of items) {
    const key = typeof it.key === 'string' ? it.key : '';
    const data = values.get(key);
    if (data === undefined) {
      if (src.optional === true) continue;
      throw new Error(missingKeyMessage(key));
    }
    put(typeof it.path === 'string' ? it.path : '', data, modeOf(it.mode, defaultMode));
  }
  return out;
}
