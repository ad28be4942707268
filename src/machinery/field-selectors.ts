// Field selectors (fields.ParseSelector): comma-separated f=v, f==v, f!=v terms with
// backslash escapes, and upstream's error texts.
import { SelectorError } from './selector-error';

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let slash = false;
  for (const c of s) {
    if (slash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      slash = false;
    } else if (c === '\\') slash = true;
    // Go prints the rune with %v, i.e. its code point.
    else if (c === ',' || c === '=') throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (slash) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.ParseSelector; terms come back sorted as upstream sorts them. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    out.push({ field: t[0], operator: t[1], value: unescapeValue(t[2]) });
  }
  return out;
}

export function matchFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = fields[r.field] ?? '';
    return r.operator === '!=' ? v !== r.value : v === r.value;
  });
}

/** Fails like the apiserver's conversion funcs for a label it does not index. */
export function checkFieldLabels(reqs: FieldRequirement[], supported: Iterable<string>): void {
  const ok = new Set(supported);
  for (const r of reqs) if (!ok.has(r.field)) throw new SelectorError(`field label not supported: ${r.field}`);
}

const escapeFieldValue = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);

export function fieldSelectorString(reqs: FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator === '==' ? '=' : r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/** The value an "f=v"/"f==v" term pins, if any (for fast lookups by name/namespace). */
export function fieldRequiresExactMatch(reqs: FieldRequirement[], field: string): string | undefined {
  return reqs.find((r) => r.field === field && r.operator !== '!=')?.value;
}
