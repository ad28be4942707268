// Field sets as structured-merge-diff keeps them (fieldpath.Set) and their FieldsV1 encoding:
// path elements are tokens `f:<field>`, `k:<json of key fields>`, `v:<json value>`, `i:<index>`;
// a node that is itself a member and has children carries ".".
import { isObject } from '../types';

export type Path = readonly string[];

/** Go's encoding/json output: sorted object keys and HTML-safe escapes. */
export function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (isObject(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted(x[k])]));
    return x;
  };
  return JSON.stringify(sorted(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export const fieldToken = (name: string): string => `f:${name}`;
export const keyToken = (key: Record<string, unknown>): string => `k:${goJson(key)}`;
export const valueToken = (v: unknown): string => `v:${goJson(v)}`;
export const indexToken = (i: number): string => `i:${i}`;

const rank: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ja = goJson(a);
  const jb = goJson(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

/** Orders tokens as fieldpath.PathElement.Compare does: fields, then keys, values, indexes. */
export function compareTokens(a: string, b: string): number {
  const ra = rank[a.slice(0, 1)] ?? 4;
  const rb = rank[b.slice(0, 1)] ?? 4;
  if (ra !== rb) return ra - rb;
  const sa = a.slice(2);
  const sb = b.slice(2);
  if (ra === 0) return sa < sb ? -1 : sa > sb ? 1 : 0;
  if (ra === 3) return Number(sa) - Number(sb);
  if (ra === 2) return compareValues(JSON.parse(sa), JSON.parse(sb));
  const ka = Object.entries(JSON.parse(sa) as Record<string, unknown>);
  const kb = Object.entries(JSON.parse(sb) as Record<string, unknown>);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const [na, va] = ka[i] as [string, unknown];
    const [nb, vb] = kb[i] as [string, unknown];
    if (na !== nb) return na < nb ? -1 : 1;
    const c = compareValues(va, vb);
    if (c !== 0) return c;
  }
  return ka.length - kb.length;
}

/** How a path element reads in messages: .name, [name="x"], [="v"], [0]. */
export function tokenString(t: string): string {
  const body = t.slice(2);
  switch (t.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:': {
      const key = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${valueString(v)}`)
        .join(',')}]`;
    }
    case 'v:':
      return `[=${valueString(JSON.parse(body))}]`;
    default:
      return `[${body}]`;
  }
}

function valueString(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isObject(v)) return `{${Object.entries(v).map(([k, x]) => `${k}=${valueString(x)}`).join(',')}}`;
  return String(v);
}

export const pathString = (p: Path): string => p.map(tokenString).join('');

export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(p: Path): void {
    const [head, ...rest] = p;
    if (head === undefined) return;
    if (rest.length === 0) this.members.add(head);
    else this.descend(head).insert(rest);
  }

  descend(t: string): FieldSet {
    let c = this.children.get(t);
    if (!c) this.children.set(t, (c = new FieldSet()));
    return c;
  }

  has(p: Path): boolean {
    const [head, ...rest] = p;
    if (head === undefined) return false;
    if (rest.length === 0) return this.members.has(head);
    return this.children.get(head)?.has(rest) ?? false;
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  /** The subtree under one element (empty when absent). */
  withPrefix(t: string): FieldSet {
    return this.children.get(t) ?? new FieldSet();
  }

  copy(): FieldSet {
    return new FieldSet().union(this);
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of [...this.members, ...o.members]) out.members.add(m);
    for (const [t, c] of [...this.children, ...o.children]) {
      const prev = out.children.get(t);
      out.children.set(t, prev ? prev.union(c) : c.copyDeep());
    }
    return out;
  }

  private copyDeep(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [t, c] of this.children) out.children.set(t, c.copyDeep());
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (o.members.has(m)) out.members.add(m);
    for (const [t, c] of this.children) {
      const oc = o.children.get(t);
      if (!oc) continue;
      const i = c.intersection(oc);
      if (!i.empty()) out.children.set(t, i);
    }
    return out;
  }

  /** Members of this set not in `o`, node by node (a member of `o` does not remove children). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m);
    for (const [t, c] of this.children) {
      const oc = o.children.get(t);
      const d = oc ? c.difference(oc) : c.copyDeep();
      if (!d.empty()) out.children.set(t, d);
    }
    return out;
  }

  /** Like difference, but a member of `o` also removes everything beneath it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m);
    for (const [t, c] of this.children) {
      if (o.members.has(t)) continue;
      const oc = o.children.get(t);
      const d = oc ? c.recursiveDifference(oc) : c.copyDeep();
      if (!d.empty()) out.children.set(t, d);
    }
    return out;
  }

  /** Every member path, in upstream's order. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    const tokens = [...new Set([...this.members, ...this.children.keys()])].sort(compareTokens);
    for (const t of tokens) {
      if (this.members.has(t)) out.push([...prefix, t]);
      const c = this.children.get(t);
      if (c) out.push(...c.paths([...prefix, t]));
    }
    return out;
  }

  toFieldsV1(includeSelf = false): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && !this.empty()) out['.'] = {};
    const tokens = [...new Set([...this.members, ...this.children.keys()])].sort(compareTokens);
    for (const t of tokens) {
      const c = this.children.get(t);
      if (c && !c.empty()) out[t] = c.toFieldsV1(this.members.has(t));
      else if (this.members.has(t)) out[t] = {};
    }
    return out;
  }

  /**
   * Decodes FieldsV1 as fieldpath.Set.FromJSON does. Client-written managedFields reach here, so a
   * malformed key or a non-object value throws FieldsDecodeError (callers fall back, as upstream)
   * rather than failing later in compareTokens; keys of an unknown kind are dropped, as upstream.
   */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    if (v === undefined || v === null) return s;
    if (!isObject(v)) throw new FieldsDecodeError(`fields must be an object, got ${JSON.stringify(v)}`);
    for (const [key, sub] of Object.entries(v)) {
      if (key === '.') continue;
      const t = parseToken(key);
      if (t === undefined) continue;
      const c = FieldSet.fromFieldsV1(sub);
      if (isObject(sub) && Object.prototype.hasOwnProperty.call(sub, '.')) s.members.add(t);
      // Keys written differently (k: fields in another order) name one element: merge them.
      const prev = s.children.get(t);
      if (!c.empty()) s.children.set(t, prev ? prev.union(c) : c);
      else s.members.add(t);
    }
    return s;
  }
}

export class FieldsDecodeError extends Error {}

/** DeserializePathElement: the normalized token for a FieldsV1 key, undefined for an unknown kind. */
function parseToken(key: string): string | undefined {
  if (key.length < 2) throw new FieldsDecodeError('key must be 2 characters long');
  if (key[1] !== ':') throw new FieldsDecodeError(`missing colon: ${key}`);
  const body = key.slice(2);
  const json = (): unknown => {
    try {
      return JSON.parse(body) as unknown;
    } catch (e) {
      throw new FieldsDecodeError(`parsing key as path element: ${(e as Error).message}`);
    }
  };
  switch (key[0]) {
    case 'f':
      return key;
    case 'v':
      return valueToken(json());
    case 'k': {
      const k = json();
      if (!isObject(k)) throw new FieldsDecodeError(`parsing key as path element: key must be an object: ${body}`);
      return keyToken(k);
    }
    case 'i':
      if (!/^[+-]?\d+$/.test(body)) throw new FieldsDecodeError(`strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
      return indexToken(Number(body));
    default:
      return undefined;
  }
}
