// The seed document's Kubernetes manifests, extracted from its fenced YAML blocks.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SEED_FILE = '000_8022b9678c1fa44f.txt';

/** The seed directory: $BERTH_SEED_DIR, else ../shared/seed beside the checkout. */
export function seedDir(): string {
  return process.env['BERTH_SEED_DIR'] ?? resolve(repoRoot, '..', 'shared', 'seed');
}

/** Every Kubernetes YAML block of the seed document, one string per fenced block. */
export function seedManifests(file = join(seedDir(), SEED_FILE)): string[] {
  return extractManifests(readFileSync(file, 'utf8'));
}

/**
 * The ```yaml fenced blocks (indented ones too, as under list items) whose every document has
 * apiVersion and kind; others, such as a docker-compose file, are skipped.
 */
export function extractManifests(markdown: string): string[] {
  const out: string[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^([ \t]*)```[ \t]*ya?ml[ \t]*$/i.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    for (i++; i < lines.length && !/^[ \t]*```[ \t]*$/.test(lines[i] ?? ''); i++) {
      const line = lines[i] ?? '';
      const lead = /^[ \t]*/.exec(line)?.[0].length ?? 0;
      body.push(line.slice(Math.min(lead, indent)));
    }
    const text = `${body.join('\n').trim()}\n`;
    if (isKubernetesYaml(text)) out.push(text);
  }
  return out;
}

function isKubernetesYaml(text: string): boolean {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return false;
  const objs = docs.filter((d) => d.errors.length === 0 && d.contents !== null).map((d) => d.toJS() as unknown);
  if (objs.length === 0 || objs.length !== docs.filter((d) => d.contents !== null).length) return false;
  return objs.every((o) => {
    const r = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
    return typeof r['apiVersion'] === 'string' && typeof r['kind'] === 'string';
  });
}
