// How `berth images` prints things, as Docker does: relative times ("2 weeks ago"), decimal
// sizes with three significant digits ("4.26MB"), the image table, and a pull's layer lines.
import type { PullProgress } from '../types';
import { familiarName, splitRepoTag } from './reference';
import type { StoredImage } from './store';

/** Docker's HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"... */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const min = Math.floor(s / 60);
  if (min === 1) return 'About a minute';
  if (min < 60) return `${min} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** Decimal size with three significant digits: 999B, 1.5kB, 4.26MB. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** Rows of `berth images ls`: one per name, `<none>` for untagged images, newest first. */
export function imageTable(images: StoredImage[], now: Date, quiet = false): string {
  const sorted = [...images].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  if (quiet) return [...new Set(sorted.map((i) => i.id.slice(7, 19)))].map((l) => `${l}\n`).join('');
  const rows: string[][] = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const img of sorted) {
    const created = img.created ? `${humanDuration(now.getTime() - Date.parse(img.created))} ago` : 'N/A';
    const names = img.repoTags.length > 0 ? img.repoTags.map(splitRepoTag) : [{ repository: '<none>', tag: '<none>' }];
    for (const n of names) {
      const repo = n.repository === '<none>' ? n.repository : familiarName(n.repository);
      rows.push([repo, n.tag, img.id.slice(7, 19), created, humanSize(img.size)]);
    }
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => `${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3))).join('')}\n`).join('');
}

/** One layer's progress line: "87fb70e60171: Downloading  1.2MB/2.1MB". */
export function progressLine(p: PullProgress): string {
  if (p.status === 'Downloading' && p.current > 0) {
    if (p.total <= 0) return `${p.layer}: ${p.status}`;
    const width = 40;
    const done = Math.min(width, Math.floor((p.current / p.total) * width));
    const bar = `[${'='.repeat(Math.max(0, done - 1))}${done > 0 ? '>' : ''}${' '.repeat(width - done)}]`;
    return `${p.layer}: ${p.status.padEnd(12)}${bar} ${humanSize(p.current)}/${humanSize(p.total)}`;
  }
  return `${p.layer}: ${p.status}`;
}
