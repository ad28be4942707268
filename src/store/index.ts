// Picks the storage driver from a URL, so callers never change when another driver arrives.
import { resolve } from 'node:path';
import type { Backend } from './backend';
import { MemoryBackend } from './memory';
import { SqliteBackend } from './sqlite';

export type { Backend, KeyValue, ListOptions, ListResult, Watch, WatchEvent } from './backend';

const SUPPORTED = 'use sqlite://PATH or memory://';

/**
 * memory:// | sqlite:///abs/path.db | sqlite://rel/path.db (relative to the working directory).
 * Throws an Error naming the supported URLs for anything else.
 */
export function openBackend(url: string): Backend {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!m) throw new Error(`invalid storage URL "${url}": ${SUPPORTED}`);
  const scheme = (m[1] as string).toLowerCase();
  const rest = m[2] as string;
  switch (scheme) {
    case 'memory':
      return new MemoryBackend();
    case 'sqlite':
      if (rest === '' || rest === '/') throw new Error(`storage URL "${url}" names no file: ${SUPPORTED}`);
      return new SqliteBackend(resolve(rest));
    case 'etcd':
      throw new Error(`the etcd:// driver is not available yet; ${SUPPORTED}`);
    default:
      throw new Error(`unsupported storage URL scheme "${scheme}://": ${SUPPORTED}`);
  }
}
