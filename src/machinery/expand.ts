// Kubernetes variable references: `$(NAME)` expands from a lookup, `$$` is a literal `$`, and a
// reference without a value stays as written (container command/args/env, subPathExpr).

/** Expands `$(NAME)` in `input` from `lookup`, as upstream's expansion.Expand does. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // No closing paren: the rest is literal.
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name === '' ? undefined : lookup(name);
      out += v ?? `$(${name})`;
      i = close + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
