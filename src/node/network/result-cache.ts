// What a CNI ADD did for a pod, kept on disk so DEL can undo exactly that after a Berth restart
// (the same role as libcni's result cache).
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfList } from './conflist';

export interface CachedAttachment {
  containerId: string;
  netns: string;
  ifName: string;
  args: string;
  capabilityArgs: Record<string, unknown>;
  confList: ConfList;
  result: unknown;
  ip: string;
}

export class ResultCache {
  constructor(private readonly dir: string) {}

  private path(uid: string): string {
    return join(this.dir, `${uid}.json`);
  }

  async get(uid: string): Promise<CachedAttachment | undefined> {
    try {
      return JSON.parse(await readFile(this.path(uid), 'utf8')) as CachedAttachment;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (e instanceof SyntaxError) return undefined; // torn write from a crash: treat as absent
      throw e;
    }
  }

  async put(uid: string, entry: CachedAttachment): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path(uid)}.tmp`;
    await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
    await rename(tmp, this.path(uid));
  }

  async delete(uid: string): Promise<void> {
    await rm(this.path(uid), { force: true });
  }

  async uids(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}
