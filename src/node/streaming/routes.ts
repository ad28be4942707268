// The kubelet's streaming URLs, parsed: /exec|/attach/{ns}/{pod}[/{uid}]/{container},
// /portForward/{ns}/{pod}[/{uid}], /containerLogs/{ns}/{pod}/{container}.
import type { PodRef } from '../types';

export type Route =
  | { kind: 'exec' | 'attach'; pod: PodRef; container: string }
  | { kind: 'portForward'; pod: PodRef }
  | { kind: 'containerLogs'; pod: PodRef; container: string };

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function ref(namespace: string, name: string, uid?: string): PodRef {
  return uid ? { namespace, name, uid } : { namespace, name };
}

export function parseRoute(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decode);
  if (parts.some((p) => p === undefined || p === '')) return undefined;
  const [kind, ns, pod, a, b, ...extra] = parts as string[];
  if (!ns || !pod || extra.length > 0) return undefined;
  switch (kind) {
    case 'exec':
    case 'attach':
      if (a && b) return { kind, pod: ref(ns, pod, a), container: b };
      if (a) return { kind, pod: ref(ns, pod), container: a };
      return undefined;
    case 'portForward':
      return b ? undefined : { kind, pod: ref(ns, pod, a) };
    case 'containerLogs':
      return a && !b ? { kind, pod: ref(ns, pod), container: a } : undefined;
    default:
      return undefined;
  }
}

export interface CommandOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(q: URLSearchParams, ...names: string[]): boolean {
  return names.some((n) => q.get(n) === 'true' || q.get(n) === '1');
}

/** The apiserver sends input/output/error; clients talking to us directly may say stdin/stdout/stderr. */
export function parseCommandOptions(q: URLSearchParams): CommandOptions {
  const tty = flag(q, 'tty');
  return {
    command: q.getAll('command'),
    stdin: flag(q, 'input', 'stdin'),
    stdout: flag(q, 'output', 'stdout'),
    // The terminal merges stderr into stdout.
    stderr: !tty && flag(q, 'error', 'stderr'),
    tty,
  };
}
