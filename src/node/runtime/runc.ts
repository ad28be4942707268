// Thin wrapper over the runc CLI with a private --root (state dir), one per node.
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { run } from './exec-file';

/** Absolute path of a binary on PATH (conmon wants one for the runtime). */
export function which(bin: string): string {
  if (isAbsolute(bin)) return bin;
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) if (d && existsSync(join(d, bin))) return join(d, bin);
  throw new Error(`Cannot find ${bin} on PATH; install the ${bin} package`);
}

export interface RuncState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  annotations?: Record<string, string>;
}

export class Runc {
  readonly binary: string;

  constructor(readonly root: string, binary = 'runc') {
    this.binary = which(binary);
  }

  args(...rest: string[]): string[] {
    return ['--root', this.root, ...rest];
  }

  /** undefined when runc does not know the container. */
  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await run(this.binary, this.args('state', id))) as RuncState;
    } catch (err) {
      if (/does not exist|not exist/.test(String((err as Error).message))) return undefined;
      throw err;
    }
  }

  async list(): Promise<RuncState[]> {
    const out = await run(this.binary, this.args('list', '--format', 'json'));
    const parsed = JSON.parse(out.trim() || 'null') as RuncState[] | null;
    return parsed ?? [];
  }

  async start(id: string): Promise<void> {
    await run(this.binary, this.args('start', id));
  }

  /** Signals the container's init; a container already gone is not an error. */
  async kill(id: string, signal: string): Promise<void> {
    try {
      await run(this.binary, this.args('kill', id, signal));
    } catch (err) {
      const m = String((err as Error).message);
      if (!/not running|does not exist|process already finished|container not running/.test(m)) throw err;
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await run(this.binary, this.args('delete', '--force', id));
    } catch (err) {
      if (!/does not exist/.test(String((err as Error).message))) throw err;
    }
  }
}
