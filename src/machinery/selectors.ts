// Label selectors (labels.Parse grammar, metav1.LabelSelector conversion) and field selectors
// (fields.ParseSelector), with upstream's parse-error texts.
import { type FieldError, fe, fieldErrorMessage } from './field-errors';
import { isQualifiedName, isValidLabelValue } from './validation/names';
import { SelectorError } from './selector-error';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** null = matches nothing (a nil metav1.LabelSelector); [] = matches everything. */
export type Selector = Requirement[] | null;

export { SelectorError };

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const BINARY_OPS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const ALL_OPS = [...BINARY_OPS, 'exists', '!'];

// A nil field.Path prints as "<nil>" in upstream messages.
const NIL_PATH = '<nil>';

function aggregate(errs: FieldError[]): string {
  const msgs = errs.map((e) => fieldErrorMessage(e));
  return msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`;
}

function keyError(key: string, path: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? fe.invalid(path, key, errs.join('; ')) : undefined;
}

/** labels.NewRequirement: validates and builds one requirement; throws SelectorError. */
export function newRequirement(key: string, operator: LabelOperator, values: string[]): Requirement {
  const errs: FieldError[] = [];
  const k = keyError(key, 'key');
  if (k) errs.push(k);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(fe.invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(fe.invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(fe.invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(fe.invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v)) errs.push(fe.invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(fe.notSupported('operator', operator, ALL_OPS));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(fe.invalid(`values[${i}][${key}]`, v, msgs.join('; ')));
  });
  if (errs.length) throw new SelectorError(aggregate(errs));
  return { key, operator, values };
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return v !== undefined && r.values.includes(v);
    case 'notin':
    case '!=':
      return v === undefined || !r.values.includes(v);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (v === undefined || !/^[+-]?[0-9]+$/.test(v) || r.values.length !== 1) return false;
      const a = BigInt(v);
      const b = BigInt(r.values[0] ?? '0');
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

export function matchesLabels(sel: Selector, labels: Record<string, string> | undefined): boolean {
  if (sel === null) return false;
  const l = labels ?? {};
  return sel.every((r) => requirementMatches(r, l));
}

export function requirementString(r: Requirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  const vals = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort().join(',');
  const op = { in: ' in ', notin: ' notin ', '=': '=', '==': '==', '!=': '!=', gt: '>', lt: '<' }[r.operator];
  return r.operator === 'in' || r.operator === 'notin' ? `${r.key}${op}(${vals})` : `${r.key}${op}${vals}`;
}

export function selectorString(sel: Selector): string {
  return sel === null ? '' : sel.map(requirementString).join(',');
}

const sortByKey = (reqs: Requirement[]): Requirement[] => [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

// ---- label selector string grammar ----

type Tok = 'err' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';
interface Item {
  tok: Tok;
  lit: string;
}

const literalTokens: Record<string, Tok> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', in: 'in', '<': '<', '!=': '!=', notin: 'notin', '(': '(' };
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

function lex(s: string): Item[] {
  const out: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos] ?? '')) pos++;
    if (pos >= s.length) {
      out.push({ tok: 'eos', lit: '' });
      return out;
    }
    const c = s[pos] ?? '';
    if (isSpecial(c)) {
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos] ?? '')) {
        buf += s[pos];
        const t = literalTokens[buf];
        if (t) last = { tok: t, lit: buf };
        else if (last) break;
        pos++;
      }
      out.push(last ?? { tok: 'err', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos] ?? '') && !isSpace(s[pos] ?? '')) buf += s[pos++];
    out.push({ tok: literalTokens[buf] ?? 'id', lit: buf });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}
  // In value context the keywords in/notin are plain identifiers.
  peek(values: boolean): Item {
    const it = this.items[this.pos] ?? { tok: 'eos', lit: '' };
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }
  next(values: boolean): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }
}

function parseRequirement(p: Parser): Requirement {
  let tok = p.next(true);
  let op: LabelOperator | undefined;
  if (tok.tok === '!') {
    op = '!';
    tok = p.next(true);
  }
  if (tok.tok !== 'id') throw new SelectorError(`found '${tok.lit}', expected: identifier`);
  const key = tok.lit;
  const ke = keyError(key, NIL_PATH);
  if (ke) throw new SelectorError(fieldErrorMessage(ke));
  const after = p.peek(true).tok;
  // "!key" is complete by itself; whatever follows is the caller's separator problem.
  if (op === '!' || after === 'eos' || after === ',') return newRequirement(key, op ?? 'exists', []);
  const o = p.next(false);
  const ops: Partial<Record<Tok, LabelOperator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
  const operator = ops[o.tok];
  if (!operator) throw new SelectorError(`found '${o.lit}', expected: ${BINARY_OPS.join(', ')}`);
  let values: string[];
  if (operator === 'in' || operator === 'notin') values = parseValues(p);
  else {
    const t = p.peek(true);
    if (t.tok === 'eos' || t.tok === ',') values = [''];
    else {
      const v = p.next(true);
      if (v.tok !== 'id') throw new SelectorError(`found '${v.lit}', expected: identifier`);
      values = [v.lit];
    }
  }
  return newRequirement(key, operator, values);
}

function parseValues(p: Parser): string[] {
  const open = p.next(true);
  if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
  const first = p.peek(true);
  if (first.tok === ')') {
    p.next(true);
    return [''];
  }
  if (first.tok !== 'id' && first.tok !== ',') throw new SelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
  const set = new Set<string>();
  for (;;) {
    const t = p.next(true);
    if (t.tok === 'id') {
      set.add(t.lit);
      const n = p.peek(true);
      if (n.tok === ',') continue;
      if (n.tok === ')') break;
      throw new SelectorError(`found '${n.lit}', expected: ',' or ')'`);
    } else if (t.tok === ',') {
      if (set.size === 0) set.add('');
      const n = p.peek(true);
      if (n.tok === ')') {
        set.add('');
        break;
      }
      if (n.tok === ',') set.add('');
    } else throw new SelectorError(`found '${t.lit}', expected: ',', or identifier`);
  }
  const close = p.next(true);
  if (close.tok !== ')') throw new SelectorError(`found '${first.lit}', expected: ')'`);
  return [...set].sort();
}

/** labels.Parse: throws SelectorError with upstream's message. */
export function parseLabelSelector(s: string): Requirement[] {
  const p = new Parser(lex(s));
  const reqs: Requirement[] = [];
  for (;;) {
    const t = p.peek(true);
    if (t.tok === 'eos') return sortByKey(reqs);
    if (t.tok !== 'id' && t.tok !== '!') throw new SelectorError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
    try {
      reqs.push(parseRequirement(p));
    } catch (e) {
      throw new SelectorError(`unable to parse requirement: ${e instanceof Error ? e.message : String(e)}`);
    }
    const sep = p.next(true);
    if (sep.tok === 'eos') return sortByKey(reqs);
    if (sep.tok !== ',') throw new SelectorError(`found '${sep.lit}', expected: ',' or 'end of string'`);
    const n = p.peek(true);
    if (n.tok !== 'id' && n.tok !== '!') throw new SelectorError(`found '${n.lit}', expected: identifier after ','`);
  }
}

// ---- metav1.LabelSelector ----

const exprOps: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelectorAsSelector: undefined/null → nothing; empty → everything. Throws SelectorError. */
export function labelSelectorAsSelector(ls: LabelSelector | null | undefined): Selector {
  if (!ls) return null;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
  for (const e of ls.matchExpressions ?? []) {
    const op = exprOps[e.operator];
    if (!op) throw new SelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return sortByKey(reqs);
}

/** metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid. */
export function labelSelectorToString(ls: LabelSelector | null | undefined): string {
  try {
    const s = selectorString(labelSelectorAsSelector(ls));
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

export function matchLabelSelector(ls: LabelSelector | null | undefined, labels: Record<string, string> | undefined): boolean {
  try {
    return matchesLabels(labelSelectorAsSelector(ls), labels);
  } catch {
    return false;
  }
}

/** labels.FormatLabels: sorted k=v joined by ',' or "<none>". */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m?.[k] ?? ''}`).join(',') : '<none>';
}

export * from './field-selectors';
