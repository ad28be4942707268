// The I/O around computePodStatus: instances as the status sees them, termination messages,
// and the write through pods/status (only when the status changed).
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../machinery/errors';
import type { Instance } from '../runtime/containers';
import { criLineText } from '../runtime/follow-log';
import { readTail } from '../streaming/log-tail';
import type { Pod } from '../types';
import { type PodDeps, podsRef } from './deps';
import type { ObservedInstance } from './status';

const seconds = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

export function observed(i: Instance): ObservedInstance {
  return {
    id: i.meta.id,
    attempt: i.meta.attempt,
    state: i.state,
    ...(i.exitCode !== undefined ? { exitCode: i.exitCode } : {}),
    oom: i.oom,
    ...(i.meta.startError ? { startError: i.meta.startError } : {}),
    ...(i.meta.startedAt ? { startedAt: seconds(i.meta.startedAt) } : {}),
    ...(i.finishedAt ? { finishedAt: seconds(i.finishedAt.toISOString()) } : {}),
    imageName: i.meta.imageName,
    imageRef: i.meta.imageRef,
  };
}

/** As the kubelet: the termination message file's last 4096 bytes; the log's last 80 lines, last 2048 bytes of their text. */
export const terminationMessageMax = 4096;
export const fallbackLogLines = 80;
export const fallbackLogMax = 2048;
/** How far back the log is read for those lines: conmon's lines are at most ~8 KiB. */
const fallbackLogReach = 64 * 1024;

/** Reads the file's tail through `read` without ever reading it whole; '' when it cannot be read. */
async function withFile(path: string, read: (fh: FileHandle) => Promise<Buffer>): Promise<Buffer> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    return await read(fh);
  } catch {
    return Buffer.alloc(0);
  } finally {
    await fh.close();
  }
}

/** The termination log, or with FallbackToLogsOnError after a failure the log's last lines, as the kubelet does. */
export async function terminationMessage(deps: PodDeps, pod: Pod, name: string, i: ObservedInstance): Promise<string | undefined> {
  const uid = pod.metadata.uid ?? '';
  // The container writes this file: read a bounded tail of it, never the whole.
  const message = await withFile(join(deps.runtime.instanceDir(uid, name, i.attempt), 'termination-log'), async (fh) => {
    const { size } = await fh.stat();
    const len = Math.min(size, terminationMessageMax);
    const b = Buffer.alloc(len);
    const { bytesRead } = await fh.read(b, 0, len, size - len);
    return b.subarray(0, bytesRead);
  });
  if (message.length > 0) return message.toString('utf8');
  const spec = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
  if (spec?.terminationMessagePolicy !== 'FallbackToLogsOnError' || i.exitCode === 0) return undefined;
  const raw = await withFile(deps.runtime.logPath(uid, name, i.attempt), (fh) => readTail(fh, fallbackLogLines, fallbackLogReach));
  const text = Buffer.from(raw.toString('utf8').split('\n').map((l) => criLineText(l)?.text ?? '').join(''));
  return text.length > 0 ? text.subarray(Math.max(0, text.length - fallbackLogMax)).toString('utf8') : undefined;
}

/** PUTs pods/status when `status` differs from what was last written; returns the new "last written" text. */
export async function writePodStatus(deps: PodDeps, pod: Pod, status: Record<string, unknown>, last: string): Promise<string> {
  const text = JSON.stringify(status);
  if (text === last || text === JSON.stringify(pod.status ?? {})) return text;
  for (let i = 0; i < 3; i++) {
    try {
      const fresh = await deps.client.get(podsRef, pod.metadata.namespace, pod.metadata.name ?? '');
      if (fresh.metadata.uid !== pod.metadata.uid) return last;
      await deps.client.update(podsRef, pod.metadata.namespace, { ...fresh, status }, {}, 'status');
      return text;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return last;
      // Someone else wrote the pod meanwhile: read it again and retry.
      if (!(err instanceof ApiError && err.reason === 'Conflict')) throw err;
    }
  }
  return last;
}
