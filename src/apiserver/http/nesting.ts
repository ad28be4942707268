// Guards against bodies nested deep enough to exhaust the stack or the YAML parser. No object
// Berth serves comes near the limit (a StatefulSet's deepest field is about 15 levels down).
import { errors } from '../../machinery/errors';

export const maxNestingDepth = 100;

/** True when a decoded JSON value nests objects/arrays deeper than `max` (iterative: no recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
    }
  }
  return false;
}

/**
 * A cheap look at raw YAML/JSON text before parsing: flow-collection depth outside quoted
 * strings, and indentation (block nesting needs one column per level at least).
 */
export function textNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        if (++indent > max * 4) return true;
        continue;
      }
      lineStart = false;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') {
      if (++depth > max) return true;
    } else if (c === '}' || c === ']') depth = Math.max(0, depth - 1);
  }
  return false;
}

export function checkNesting(value: unknown): unknown {
  if (nestedDeeperThan(value, maxNestingDepth)) throw tooDeep();
  return value;
}

export function tooDeep() {
  return errors.badRequest(`the request body is nested more than ${maxNestingDepth} levels deep`);
}
