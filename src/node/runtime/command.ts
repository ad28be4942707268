// The process argv of a container as Kubernetes defines it: `command` replaces the image's
// Entrypoint (and drops its Cmd), `args` replaces Cmd; `$(VAR)` references expand from the
// container's environment, `$$` escapes a dollar, and unknown references stay as written.
import { expandVars } from '../../machinery/expand';
import type { ContainerSpec, ImageConfig } from '../types';

/** The argv the container runs, or an error naming the fix when there is nothing to run. */
export function containerArgs(c: ContainerSpec, image: ImageConfig, env: ReadonlyMap<string, string>): string[] {
  const lookup = (n: string) => env.get(n);
  let argv: string[];
  if (c.command && c.command.length > 0) argv = [...c.command, ...(c.args ?? [])];
  else if (c.args && c.args.length > 0) argv = [...(image.Entrypoint ?? []), ...c.args];
  else argv = [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
  if (argv.length === 0) {
    throw new Error(`Cannot start container ${c.name}: no command specified and the image has no Entrypoint or Cmd; set command in the container spec`);
  }
  // Only what the pod spec wrote is expanded; the image's words are taken literally.
  const fromSpec = c.command && c.command.length > 0 ? argv.length : c.args && c.args.length > 0 ? c.args.length : 0;
  const start = argv.length - fromSpec;
  return argv.map((a, idx) => (idx >= start ? expandVars(a, lookup) : a));
}
