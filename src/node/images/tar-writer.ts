// A small tar (ustar + pax extended headers) writer. The store uses it to hand GNU tar the
// overlayfs whiteout representation (0/0 character devices, and directories carrying the
// trusted.overlay.opaque xattr as a SCHILY.xattr pax record) since Node can set neither; tests use it
// to build layers.

export interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char';
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  data?: Buffer | string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra pax records, e.g. {"SCHILY.xattr.trusted.overlay.opaque": "y"}. */
  pax?: Record<string, string>;
}

const typeFlag: Record<TarEntry['type'], string> = { file: '0', hardlink: '1', symlink: '2', char: '3', dir: '5' };

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: { name: string; type: string; mode: number; uid: number; gid: number; size: number; mtime: number; linkname: string; devmajor: number; devminor: number }): Buffer {
  const b = Buffer.alloc(512);
  b.write(e.name, 0, 100, 'utf8');
  b.write(octal(e.mode & 0o7777, 8), 100, 'ascii');
  b.write(octal(e.uid, 8), 108, 'ascii');
  b.write(octal(e.gid, 8), 116, 'ascii');
  b.write(octal(e.size, 12), 124, 'ascii');
  b.write(octal(e.mtime, 12), 136, 'ascii');
  b.write('        ', 148, 'ascii');
  b.write(e.type, 156, 'ascii');
  b.write(e.linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 'ascii');
  b.write(octal(e.devmajor, 8), 329, 'ascii');
  b.write(octal(e.devminor, 8), 337, 'ascii');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(octal(sum, 7), 148, 'ascii');
  return b;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % 512;
  return rest === 0 ? [data] : [data, Buffer.alloc(512 - rest)];
}

/** One pax record: "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** Serializes entries into a complete tar archive (with the two zero blocks at the end). */
export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const linkname = e.linkname ?? '';
    const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    const pax: Record<string, string> = { ...(e.pax ?? {}) };
    if (Buffer.byteLength(name) > 100) pax.path = name;
    if (Buffer.byteLength(linkname) > 100) pax.linkpath = linkname;
    const common = { uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime ?? 0, devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0 };
    if (Object.keys(pax).length > 0) {
      const body = Buffer.from(Object.entries(pax).map(([k, v]) => paxRecord(k, v)).join(''));
      parts.push(header({ ...common, name: `PaxHeaders/${name.slice(0, 80)}`, type: 'x', mode: 0o644, size: body.length, linkname: '' }), ...padded(body));
    }
    const mode = e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
    parts.push(header({ ...common, name: name.slice(0, 100), type: typeFlag[e.type], mode, size: data.length, linkname: linkname.slice(0, 100) }));
    if (data.length > 0) parts.push(...padded(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
