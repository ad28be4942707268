// Runs the Berth CLI from source under `node --cpu-prof` (not allowed in NODE_OPTIONS), for
// `bench/storage.ts --cpu-prof DIR`: the harness starts this file as $BERTH_BIN and signals it.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.env['BERTH_CPU_PROF_DIR'] ?? '.';
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts');
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', main, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
