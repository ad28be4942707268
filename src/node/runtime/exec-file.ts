// Runs a host binary and returns its stdout; a failure names the command and its stderr.
import { execFile } from 'node:child_process';

export function run(file: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 16 << 20, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        const msg = String(stderr).trim() || err.message;
        reject(new Error(`${file} ${args.join(' ')} failed: ${msg}`, { cause: err }));
      } else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
