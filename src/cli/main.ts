// berth command-line entry point.
import { runServer } from './server';

const usage = `Usage: berth <command> [flags]

Commands:
  server    Run the all-in-one control plane (API server, store, controllers)

Run 'berth server --help' for its flags.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return runServer(rest);
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
