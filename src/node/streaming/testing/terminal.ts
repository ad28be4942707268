// Runs kubectl inside a pseudo-terminal, as a person at a shell would: `-it` needs a real TTY.
import { join } from 'node:path';
import * as pty from 'node-pty';
import { kubectlBin, type KubectlVersion, type TestCluster } from './cluster';

export interface Terminal {
  output(): string;
  write(s: string): void;
  resize(cols: number, rows: number): void;
  /** Waits until the output (since the last mark) matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Forgets output so far, so the next waitFor sees only what follows. */
  mark(): void;
  exited: Promise<number>;
  kill(): void;
}

export function kubectlInTerminal(c: TestCluster, v: KubectlVersion, args: string[]): Terminal {
  const term = pty.spawn(kubectlBin(v), args, {
    cols: 80,
    rows: 24,
    env: { ...process.env, KUBECONFIG: c.kubeconfig, KUBECACHEDIR: join(c.dir, `.kube-cache-${v}`) },
  });
  let out = '';
  let from = 0;
  term.onData((d) => (out += d));
  const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
  return {
    output: () => out,
    write: (s) => term.write(s),
    resize: (cols, rows) => term.resize(cols, rows),
    mark: () => void (from = out.length),
    async waitFor(re, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!re.test(out.slice(from))) {
        if (Date.now() > end) throw new Error(`no ${re} in the terminal within ${timeoutMs} ms; it shows ${JSON.stringify(out.slice(from).slice(-500))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
    kill: () => term.kill('SIGKILL'),
  };
}
