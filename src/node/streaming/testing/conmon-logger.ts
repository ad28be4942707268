// Real conmon logging for tests without runc: a stand-in OCI runtime whose `create` starts a
// shell script in the background (conmon, a subreaper, adopts it), so conmon writes the script's
// output to a CRI log exactly as it does for a container, rotation included.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createWithConmon } from '../../runtime/conmon';
import { Runc } from '../../runtime/runc';

export interface ConmonLogger {
  logPath: string;
  /** Whether the script still runs (conmon has not written the exit file). */
  running(): boolean;
  /** Resolves once the script has exited. */
  exited(): Promise<void>;
  /** Kills conmon and the script if still there. */
  kill(): Promise<void>;
}

const fakeRuntime = `#!/bin/sh
# Stand-in for runc: "create" runs the bundle's script in the background and writes its pid.
pidfile=
for a in "$@"; do
  if [ "$prev" = --pid-file ]; then pidfile=$a; fi
  prev=$a
done
case " $* " in *" create "*) ;; *) exit 0 ;; esac
sh ./script.sh &
echo $! > "$pidfile"
`;

export async function startConmonLogger(dir: string, script: string, logSizeMax: number): Promise<ConmonLogger> {
  const bundle = join(dir, 'bundle');
  await mkdir(join(dir, 'sock'), { recursive: true });
  await mkdir(bundle, { recursive: true });
  const runtime = join(dir, 'fake-runc');
  await writeFile(runtime, fakeRuntime);
  await chmod(runtime, 0o755);
  await writeFile(join(bundle, 'script.sh'), script);
  const logPath = join(dir, 'c.log');
  await writeFile(logPath, '');
  const id = `berth-test-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const pid = await createWithConmon({ runc: new Runc(join(dir, 'root'), runtime), id, bundle, logPath, persistDir: bundle, socketDir: join(dir, 'sock'), tty: false, stdin: false, logSizeMax, timeoutMs: 10_000 });
  const running = () => !existsSync(join(bundle, 'exit'));
  return {
    logPath,
    running,
    exited: async () => {
      while (running()) await new Promise((r) => setTimeout(r, 50));
    },
    kill: async () => {
      const conmon = Number(await readFile(join(bundle, 'conmon.pid'), 'utf8').catch(() => '0'));
      for (const p of [pid, conmon]) {
        try {
          if (p > 0) process.kill(p, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}
