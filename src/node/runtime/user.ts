// Resolves the process user of a container: securityContext runAsUser/runAsGroup win, then the
// image's User ("name", "uid", "name:group", "uid:gid"), names looked up in the rootfs'
// /etc/passwd and /etc/group (given as text so this stays pure).
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !f[0]) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0], uid, gid });
  }
  return out;
}

function parseGroup(text: string): { name: string; gid: number; members: string[] }[] {
  const out: { name: string; gid: number; members: string[] }[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !f[0]) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid)) out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const isNum = (s: string) => /^\d+$/.test(s);

export interface UserInputs {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  fsGroup?: number;
  imageUser?: string;
  passwd: string;
  group: string;
}

/** The uid/gid the process runs as; throws naming the fix when a name cannot be resolved. */
export function resolveUser(u: UserInputs): ProcessUser {
  const passwd = parsePasswd(u.passwd);
  const groups = parseGroup(u.group);
  let uid = 0;
  let gid: number | undefined;
  let userName: string | undefined;
  const [userPart = '', groupPart] = (u.imageUser ?? '').split(':', 2);
  if (u.runAsUser !== undefined) uid = u.runAsUser;
  else if (userPart !== '') {
    if (isNum(userPart)) uid = Number(userPart);
    else {
      const e = passwd.find((p) => p.name === userPart);
      if (!e) throw new Error(`Cannot run as user "${userPart}": no such user in the image's /etc/passwd; set securityContext.runAsUser to a numeric uid`);
      uid = e.uid;
      gid = e.gid;
      userName = e.name;
    }
  }
  if (u.runAsUser !== undefined || gid === undefined) {
    const e = passwd.find((p) => p.uid === uid);
    if (e) {
      gid = e.gid;
      userName = e.name;
    }
  }
  if (u.runAsGroup !== undefined) gid = u.runAsGroup;
  else if (groupPart !== undefined && groupPart !== '' && u.runAsUser === undefined) {
    if (isNum(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new Error(`Cannot run as group "${groupPart}": no such group in the image's /etc/group; set securityContext.runAsGroup to a numeric gid`);
      gid = g.gid;
    }
  }
  const extra = new Set<number>();
  if (userName) for (const g of groups) if (g.members.includes(userName) && g.gid !== gid) extra.add(g.gid);
  for (const g of u.supplementalGroups ?? []) extra.add(g);
  if (u.fsGroup !== undefined) extra.add(u.fsGroup);
  return { uid, gid: gid ?? 0, ...(extra.size ? { additionalGids: [...extra].sort((a, b) => a - b) } : {}) };
}
