// berth command-line entry point.
import { join, resolve } from 'node:path';
import { runAgent } from './agent';
import { runImagesCommand } from './images';
import { runServer } from './server';

const usage = `Usage: berth <command> [flags]

Commands:
  server    Run the all-in-one server (API server, store, controllers, and a node running pods)
  agent     Run a node joined to a server: berth agent --server URL --token T --ca-file CA
  images    Manage the node's images: pull, ls, rm, import (--data-dir DIR as for the server)

Run 'berth server --help' for its flags.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return runServer(rest);
    case 'agent':
      return runAgent(rest);
    case 'images': {
      // The images live in the server's data dir: take --data-dir like the server does.
      const at = rest.findIndex((a) => a === '--data-dir' || a.startsWith('--data-dir='));
      let dataDir = process.env['BERTH_DATA_DIR'] ?? '.berth';
      if (at >= 0) {
        const a = rest[at] ?? '';
        const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[at + 1];
        if (v === undefined) throw new Error('flag --data-dir needs a value');
        dataDir = v;
        rest.splice(at, a.includes('=') ? 1 : 2);
      }
      return runImagesCommand(rest, { dataDir: join(resolve(dataDir), 'node') });
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(usage);
      return 0;
    default:
      console.error(`berth: unknown command "${cmd}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`berth: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
