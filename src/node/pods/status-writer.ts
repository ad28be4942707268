// The I/O around computePodStatus: instances as the status sees them, termination messages,
// and the write through pods/status (only when the status changed).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../machinery/errors';
import type { Instance } from '../runtime/containers';
import { criLineText } from '../runtime/follow-log';
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

/** The termination log, or with FallbackToLogsOnError after a failure the log's last 80 lines (≤ 2 KiB), as the kubelet does. */
export async function terminationMessage(deps: PodDeps, pod: Pod, name: string, i: ObservedInstance): Promise<string | undefined> {
  const uid = pod.metadata.uid ?? '';
  const read = (p: string) => readFile(p, 'utf8').catch(() => '');
  const text = await read(join(deps.runtime.instanceDir(uid, name, i.attempt), 'termination-log'));
  if (text) return text.slice(0, 4096);
  const spec = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
  if (spec?.terminationMessagePolicy !== 'FallbackToLogsOnError' || i.exitCode === 0) return undefined;
  const lines = (await read(deps.runtime.logPath(uid, name, i.attempt))).split('\n').map((l) => criLineText(l)?.text ?? '').join('');
  const tail = lines.split('\n').slice(-81).join('\n');
  return tail ? tail.slice(-2048) : undefined;
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
