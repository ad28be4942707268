// Host settings pod traffic needs besides what the CNI plugins do: IPv4 forwarding, and FORWARD
// accepts for the pod bridge (Docker and podman set the FORWARD policy to DROP).
import { readFile, writeFile } from 'node:fs/promises';
import { runOk } from './run';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export async function enableIpForward(): Promise<void> {
  const cur = (await readFile(IP_FORWARD, 'utf8')).trim();
  if (cur === '1') return;
  try {
    await writeFile(IP_FORWARD, '1');
  } catch (e) {
    throw new Error(`Cannot enable IPv4 forwarding for pods: ${(e as Error).message}; run as root or set net.ipv4.ip_forward=1`, { cause: e });
  }
}

/** Our rules carry this comment so they can be found, never duplicated, and removed. */
export function ruleComment(bridge: string): string {
  return `berth-pods:${bridge}`;
}

/** The FORWARD rules for a bridge: traffic from its pods, and traffic to them (incl. DNATed hostPorts). */
export function forwardRules(bridge: string, podCIDR: string): string[][] {
  const tag = ['-m', 'comment', '--comment', ruleComment(bridge)];
  return [
    ['-i', bridge, '-s', podCIDR, ...tag, '-j', 'ACCEPT'],
    ['-o', bridge, '-d', podCIDR, ...tag, '-j', 'ACCEPT'],
  ];
}

/** Splits one `iptables -S` line into arguments; comments come double-quoted with \" escapes. */
export function splitRule(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '\\' && i + 1 < line.length) {
      cur += line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `-A CHAIN …` lines of `iptables -S` whose comment is exactly `comment`, as delete arguments. */
export function rulesToDelete(listing: string, comment: string): string[][] {
  const out: string[][] = [];
  for (const line of listing.split('\n')) {
    const words = splitRule(line.trim());
    if (words[0] !== '-A' || words[words.indexOf('--comment') + 1] !== comment) continue;
    out.push(['-D', ...words.slice(1)]);
  }
  return out;
}

async function iptables(args: string[]): Promise<string> {
  return runOk('iptables', ['-w', '5', ...args]);
}

/** The nat rule masquerading pod traffic that leaves the pod network (once per node). */
export function masqueradeRule(bridge: string, podCIDR: string): string[] {
  return ['-s', podCIDR, '!', '-d', podCIDR, '-m', 'comment', '--comment', ruleComment(bridge), '-j', 'MASQUERADE'];
}

/** FORWARD accepts and the masquerade rule for the bridge, each made only if missing. */
export async function ensureHostRules(bridge: string, podCIDR: string): Promise<void> {
  await ensureForwardRules(bridge, podCIDR);
  const listing = await iptables(['-t', 'nat', '-S', 'POSTROUTING']);
  const present = rulesToDelete(listing, ruleComment(bridge));
  const wanted = masqueradeRule(bridge, podCIDR);
  if (present.length === 1 && (await iptables(['-t', 'nat', '-C', 'POSTROUTING', ...wanted]).then(() => true, () => false))) return;
  for (const del of present) await iptables(['-t', 'nat', ...del]);
  await iptables(['-t', 'nat', '-A', 'POSTROUTING', ...wanted]);
}

/** Removes the bridge's FORWARD accepts and its masquerade rule. */
export async function removeHostRules(bridge: string): Promise<void> {
  await removeForwardRules(bridge);
  const listing = await iptables(['-t', 'nat', '-S', 'POSTROUTING']);
  for (const del of rulesToDelete(listing, ruleComment(bridge))) await iptables(['-t', 'nat', ...del]);
}

/** Inserts the rules at the top of FORWARD unless exactly these are there already. */
export async function ensureForwardRules(bridge: string, podCIDR: string): Promise<void> {
  const listing = await iptables(['-S', 'FORWARD']);
  const present = rulesToDelete(listing, ruleComment(bridge));
  const wanted = forwardRules(bridge, podCIDR);
  let allThere = present.length === wanted.length;
  for (const rule of wanted) {
    if (!allThere) break;
    allThere = await iptables(['-C', 'FORWARD', ...rule]).then(
      () => true,
      () => false,
    );
  }
  if (allThere) return;
  // Stale (e.g. an old CIDR) or partial: replace them all.
  for (const del of present) await iptables(del);
  for (const rule of wanted) await iptables(['-I', 'FORWARD', '1', ...rule]);
}

export async function removeForwardRules(bridge: string): Promise<void> {
  const listing = await iptables(['-S', 'FORWARD']);
  for (const del of rulesToDelete(listing, ruleComment(bridge))) await iptables(del);
}

/**
 * The bridge plugin removes a pod's masquerade rules only when it still finds the pod's interface;
 * when the namespace was lost first they would stay (and break the next DEL of the same ID). This
 * removes them by the plugin's comment and drops the per-pod chains they jumped to.
 */
export async function removeMasqRules(network: string, containerId: string): Promise<void> {
  const comment = `name: "${network}" id: "${containerId}"`;
  const listing = await iptables(['-t', 'nat', '-S', 'POSTROUTING']);
  for (const del of rulesToDelete(listing, comment)) {
    await iptables(['-t', 'nat', ...del]);
    const target = del[del.indexOf('-j') + 1];
    if (target?.startsWith('CNI-')) {
      await iptables(['-t', 'nat', '-F', target]).catch(() => undefined);
      await iptables(['-t', 'nat', '-X', target]).catch(() => undefined);
    }
  }
}
