// The process argv of a container as Kubernetes defines it: `command` replaces the image's
// Entrypoint (and drops its Cmd), `args` replaces Cmd; `$(VAR)` references expand from the
// container's environment, `$$` escapes a dollar, and unknown references stay as written.
import type { ContainerSpec, ImageConfig } from '../types';

/** Expands `$(NAME)` in `input` from `lookup`, as upstream's expansion.Expand does. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // No closing paren: the rest is literal.
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name === '' ? undefined : lookup(name);
      out += v ?? `$(${name})`;
      i = close + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

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
