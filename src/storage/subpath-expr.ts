// subPathExpr expansion as the kubelet does it: $(VAR) from the container's environment, $$
// for a literal $, anything else left as written; a variable without a value is an error.

export function expandSubPathExpr(expr: string, env: Record<string, string>): string {
  const missing = new Set<string>();
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c !== '$' || i + 1 >= expr.length) {
      out += c;
      i++;
      continue;
    }
    const next = expr[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = expr.indexOf(')', i + 2);
      if (close < 0) {
        // Unterminated reference: kept literally, as upstream does.
        out += expr.slice(i);
        break;
      }
      const name = expr.slice(i + 2, close);
      const value = env[name];
      if (value === undefined || value === '') missing.add(name);
      else out += value;
      i = close + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(', ')}; set these variables in the container's env`);
  return out;
}
