// Executes a CNI plugin chain the way libcni does: ADD in order with each result fed to the next
// plugin as prevResult, DEL in reverse order with the cached ADD result.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConfList, pluginStdin } from './conflist';
import { run } from './run';

export interface CniInvocation {
  containerId: string;
  /** Path of the network namespace file; '' on DEL when the namespace is already gone. */
  netns: string;
  ifName: string;
  /** CNI_ARGS string. */
  args: string;
  /** Runtime arguments by capability name, e.g. { portMappings: [...] }. */
  capabilityArgs: Record<string, unknown>;
}

export async function findPlugin(type: string, dirs: readonly string[]): Promise<string> {
  for (const dir of dirs) {
    const p = join(dir, type);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // try the next directory
    }
  }
  throw new Error(
    `Cannot set up pod network: CNI plugin "${type}" not found in ${dirs.join(', ')}; ` +
      'install containernetworking-plugins (apt-get install containernetworking-plugins) or set pluginDirs',
  );
}

export async function cniAdd(list: ConfList, inv: CniInvocation, dirs: readonly string[]): Promise<unknown> {
  let prev: unknown;
  for (const plugin of list.plugins) {
    const stdin = pluginStdin(list, plugin, inv.capabilityArgs, prev);
    prev = await invoke('ADD', plugin.type, stdin, inv, dirs);
  }
  return prev;
}

/** Runs every plugin's DEL even when one fails (so IPAM is released), then reports all failures. */
export async function cniDel(list: ConfList, inv: CniInvocation, dirs: readonly string[], cached: unknown): Promise<void> {
  const failures: string[] = [];
  for (const plugin of [...list.plugins].reverse()) {
    const stdin = pluginStdin(list, plugin, inv.capabilityArgs, cached ?? undefined);
    try {
      await invoke('DEL', plugin.type, stdin, inv, dirs);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
}

async function invoke(
  command: 'ADD' | 'DEL',
  type: string,
  stdin: Record<string, unknown>,
  inv: CniInvocation,
  dirs: readonly string[],
): Promise<unknown> {
  const path = await findPlugin(type, dirs);
  const env: NodeJS.ProcessEnv = {
    // Plugins shell out to iptables; a user PATH without sbin would make that fail obscurely.
    PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`,
    CNI_COMMAND: command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifName,
    CNI_ARGS: inv.args,
    CNI_PATH: dirs.join(':'),
  };
  const res = await run(path, [], { input: JSON.stringify(stdin), env, timeoutMs: 60_000 });
  if (res.code !== 0) {
    throw new Error(`CNI plugin ${type} ${command} for ${inv.containerId} failed: ${pluginError(res.stdout, res.stderr)}`);
  }
  if (command === 'DEL' || res.stdout.trim() === '') return undefined;
  try {
    return JSON.parse(res.stdout) as unknown;
  } catch {
    throw new Error(`CNI plugin ${type} ADD printed a result that is not JSON: ${res.stdout.slice(0, 200)}`);
  }
}

/** A plugin reports errors as {code, msg, details} on stdout; fall back to stderr. */
function pluginError(stdout: string, stderr: string): string {
  try {
    const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    if (e.msg) return `${e.msg}${e.details ? `: ${e.details}` : ''} (CNI error ${e.code ?? '?'})`;
  } catch {
    // not JSON
  }
  return (stderr || stdout).trim() || 'no output';
}
