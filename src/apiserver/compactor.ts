// Compacts store history like kube-apiserver does with etcd: every interval, up to the
// revision observed one interval earlier, so watchers have one interval to catch up.
import type { Logger } from 'pino';
import type { Clock } from '../machinery/clock';
import type { Backend } from '../store/backend';

export const compactIntervalMs = 5 * 60_000;

export function startCompactor(backend: Backend, _clock: Clock, log: Logger, signal: AbortSignal, intervalMs = compactIntervalMs): void {
  let previous = 0;
  const timer = setInterval(() => {
    void (async () => {
      try {
        if (previous > 0) await backend.compact(previous);
        previous = await backend.currentRevision();
      } catch (err) {
        log.warn({ err }, 'compaction failed; will retry next interval');
      }
    })();
  }, intervalMs);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
